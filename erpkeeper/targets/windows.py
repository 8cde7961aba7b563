"""Maintenance windows: parsing the short text form and asking whether a moment is inside one.

Text form, used by the CLI and the API: ``DAY HH:MM DURATION [TIME_ZONE]``, for example
``sun 02:00 4h Asia/Shanghai`` or ``sat 22:30 90m``. DAY is mon..sun (or 1..7, Monday = 1).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext as _

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_DURATION = re.compile(r"^(?P<n>\d+)(?P<unit>[mh]?)$", re.IGNORECASE)


class WindowSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class WindowSpec:
    weekday: int  # Monday = 0
    start_time: dt.time
    duration_minutes: int
    time_zone: str

    def as_text(self) -> str:
        minutes = self.duration_minutes
        duration = f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
        return f"{DAYS[self.weekday]} {self.start_time:%H:%M} {duration} {self.time_zone}"


def parse_window(text: str, default_time_zone: str = "UTC") -> WindowSpec:
    parts = (text or "").split()
    if len(parts) not in (3, 4):
        raise WindowSyntaxError(
            _(
                "%(text)s is not a maintenance window: use 'DAY HH:MM DURATION [TIME_ZONE]', "
                "e.g. 'sun 02:00 4h Asia/Shanghai'"
            )
            % {"text": repr(text)}
        )
    weekday = _parse_day(parts[0])
    start = _parse_time(parts[1])
    minutes = _parse_duration(parts[2])
    time_zone = parts[3] if len(parts) == 4 else default_time_zone
    _validate_time_zone(time_zone)
    return WindowSpec(weekday, start, minutes, time_zone)


def _parse_day(text: str) -> int:
    lowered = text.lower()[:3]
    if lowered in DAYS:
        return DAYS.index(lowered)
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    raise WindowSyntaxError(
        _("unknown day %(text)s: use mon, tue, wed, thu, fri, sat or sun") % {"text": repr(text)}
    )


def _parse_time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text if len(text) > 2 else f"{int(text):02d}:00")
    except ValueError:
        raise WindowSyntaxError(
            _("%(text)s is not a time of day: use HH:MM (24-hour)") % {"text": repr(text)}
        ) from None


def _parse_duration(text: str) -> int:
    match = _DURATION.match(text)
    if not match:
        raise WindowSyntaxError(
            _("%(text)s is not a duration: use minutes (90m) or hours (4h)") % {"text": repr(text)}
        )
    minutes = int(match["n"]) * (60 if match["unit"].lower() == "h" else 1)
    if not 1 <= minutes <= 7 * 24 * 60:
        raise WindowSyntaxError(_("a maintenance window lasts between 1 minute and 7 days"))
    return minutes


def _validate_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise WindowSyntaxError(
            _("unknown time zone %(name)s: use e.g. Asia/Shanghai or UTC") % {"name": repr(name)}
        ) from None


def window_occurrence(spec, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The occurrence of the weekly window that starts most recently at or before ``moment``."""
    zone = zoneinfo.ZoneInfo(spec.time_zone)
    local = moment.astimezone(zone)
    days_back = (local.weekday() - spec.weekday) % 7
    start_date = local.date() - dt.timedelta(days=days_back)
    start = dt.datetime.combine(start_date, spec.start_time, tzinfo=zone)
    if start > local:
        start -= dt.timedelta(days=7)
    return start, start + dt.timedelta(minutes=spec.duration_minutes)


def is_inside(spec, moment: dt.datetime) -> bool:
    start, end = window_occurrence(spec, moment)
    return start <= moment < end


def next_start(spec, moment: dt.datetime) -> dt.datetime:
    start, _ = window_occurrence(spec, moment)
    return start + dt.timedelta(days=7) if start <= moment else start
