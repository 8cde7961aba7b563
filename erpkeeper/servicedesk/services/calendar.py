"""Calendar days: a day off or an adjusted working day (调休) entered by the team, counted by
every SLA clock whose queue uses that holiday calendar."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import CalendarDay, DayKind
from erpkeeper.servicedesk.sla.calendars import CHINA, is_supported


def set_calendar_day(*, date, kind: str, note: str = "", calendar: str = CHINA) -> CalendarDay:
    """Make ``date`` a day off or a working day on ``calendar`` (replacing what was entered
    for that date before)."""
    calendar, day, note = check_calendar_day(date=date, kind=kind, note=note, calendar=calendar)
    with transaction.atomic():
        entry, _created = CalendarDay.objects.update_or_create(
            calendar=calendar, date=day, defaults={"kind": kind, "note": note}
        )
    return entry


def check_calendar_day(*, date, kind: str, note: str = "", calendar: str = CHINA) -> tuple:
    """(calendar, date, note) as they will be stored, or a ValidationError per field."""
    calendar = (calendar or "").strip().upper()
    note = (note or "").strip()
    errors = {}
    if not calendar or not is_supported(calendar):
        errors["calendar"] = _(
            "%(code)s is not a holiday calendar (a country code such as CN)."
        ) % {"code": calendar or "-"}
    if kind not in DayKind.values:
        errors["kind"] = _("One of: %(choices)s.") % {"choices": ", ".join(DayKind.values)}
    day = _as_date(date, errors)
    if len(note) > 200:
        errors["note"] = _("At most 200 characters.")
    if errors:
        raise ValidationError(errors)
    return calendar, day, note


def remove_calendar_day(entry: CalendarDay) -> None:
    entry.delete()


def _as_date(value, errors: dict) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors["date"] = _("Give the date as YYYY-MM-DD.")
        return None
