"""Business time: how many working minutes lie between two moments, and when N working minutes
after a moment end. Pure Python (no Django), so it is easy to test and to reuse.

A ``WorkingTime`` is a team's week (periods per weekday, e.g. 09:00-12:00 and 13:00-18:00 on
Monday to Friday), its time zone, the public holidays it does not work, and the adjusted working
days (调休: a Saturday or Sunday worked to make up for a long holiday) on which it works the
hours of an ordinary weekday.

An ``SlaClock`` is one target measured on that time (a first response within 4 working hours):
it starts when the ticket is opened, stops while the ticket waits for its requester (pauses),
warns at 80 % and is breached at 100 %.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WARNING_FRACTION = 0.8
# Searching further than this for working time means there is none (an empty week).
SEARCH_DAYS = 3 * 366
Period = tuple[dt.time, dt.time | None]  # None as the end: midnight at the end of the day
Interval = tuple[dt.datetime, dt.datetime]


class HoursError(ValueError):
    """Weekly hours that cannot be read; the message says which day and why."""


def parse_period(text: str) -> Period:
    """``"09:00-12:00"`` -> (09:00, 12:00); ``"00:00-24:00"`` is the whole day."""
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start = dt.time.fromisoformat(start_text)
        end = None if end_text == "24:00" else dt.time.fromisoformat(end_text)
    except ValueError:
        raise HoursError(f"{text!r} is not a period such as 09:00-18:00") from None
    if end is not None and end <= start:
        raise HoursError(f"{text!r} ends before it starts")
    return start, end


def parse_weekly(hours: dict[str, str]) -> dict[int, tuple[Period, ...]]:
    """``{"mon": "09:00-12:00,13:00-18:00", ...}`` -> {0: ((09:00, 12:00), (13:00, 18:00))}.
    Days left out or empty are not worked."""
    unknown = set(hours) - set(DAY_KEYS)
    if unknown:
        raise HoursError(f"unknown days: {', '.join(sorted(unknown))} (use {', '.join(DAY_KEYS)})")
    weekly = {}
    for index, key in enumerate(DAY_KEYS):
        text = str(hours.get(key) or "").strip()
        periods = [parse_period(part) for part in text.split(",") if part.strip()]
        weekly[index] = tuple(sorted(periods, key=lambda period: period[0]))
    return weekly


@dataclass(frozen=True)
class WorkingTime:
    weekly: dict[int, tuple[Period, ...]]
    time_zone: str = "Asia/Shanghai"
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # weekend days worked (调休)
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "zone", ZoneInfo(self.time_zone))

    @property
    def ordinary_day(self) -> tuple[Period, ...]:
        """The hours of an adjusted working day: those of the first weekday that has any."""
        return next((self.weekly[day] for day in range(5) if self.weekly.get(day)), ())

    def periods_on(self, day: dt.date) -> tuple[Period, ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:
            return self.ordinary_day
        return self.weekly.get(day.weekday(), ())

    def intervals_on(self, day: dt.date) -> list[Interval]:
        """The day's working periods as aware moments in the team's time zone."""
        result = []
        for start, end in self.periods_on(day):
            begins = dt.datetime.combine(day, start, tzinfo=self.zone)
            if end is None:
                ends = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.zone)
            else:
                ends = dt.datetime.combine(day, end, tzinfo=self.zone)
            result.append((begins, ends))
        return result

    def local_day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Working minutes from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        seconds = 0.0
        day, last = self.local_day(start), self.local_day(end)
        while day <= last:
            for begins, ends in self.intervals_on(day):
                overlap = (min(ends, end) - max(begins, start)).total_seconds()
                seconds += max(overlap, 0.0)
            day += dt.timedelta(days=1)
        return seconds / 60

    def add_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment ``minutes`` working minutes after ``start``. ValueError if the week has no
        working time at all."""
        left = dt.timedelta(minutes=minutes)
        day = self.local_day(start)
        for _offset in range(SEARCH_DAYS):
            for begins, ends in self.intervals_on(day):
                begins = max(begins, start)
                if ends <= begins:
                    continue
                if begins + left <= ends:
                    return begins + left
                left -= ends - begins
            day += dt.timedelta(days=1)
        raise ValueError("no working time in the calendar")

    def is_working(self, moment: dt.datetime) -> bool:
        return any(b <= moment < e for b, e in self.intervals_on(self.local_day(moment)))


def overlap_minutes(working: WorkingTime, interval: Interval, pauses: Iterable[Interval]) -> float:
    """Working minutes of ``pauses`` that fall inside ``interval``."""
    start, end = interval
    return sum(
        working.minutes_between(max(start, p_start), min(end, p_end)) for p_start, p_end in pauses
    )


@dataclass(frozen=True)
class SlaClock:
    """One target (``target_minutes`` of working time) counted from ``started``; ``pauses``
    are closed (start, end) intervals while it waited, ``paused_since`` an open one."""

    working: WorkingTime
    started: dt.datetime
    target_minutes: int
    pauses: Sequence[Interval] = ()
    paused_since: dt.datetime | None = None

    def paused_minutes(self) -> float:
        return sum(self.working.minutes_between(start, end) for start, end in self.pauses)

    def elapsed(self, now: dt.datetime) -> float:
        """Working minutes counted at ``now``: pauses do not count."""
        until = min(now, self.paused_since) if self.paused_since else now
        counted = self.working.minutes_between(self.started, until)
        closed = [(s, min(e, until)) for s, e in self.pauses if s < until]
        return max(counted - sum(self.working.minutes_between(s, e) for s, e in closed), 0.0)

    def fraction(self, now: dt.datetime) -> float:
        return self.elapsed(now) / self.target_minutes if self.target_minutes else 1.0

    def due(self) -> dt.datetime | None:
        """When the target is breached if nothing else pauses it; None while paused."""
        if self.paused_since:
            return None
        return self.working.add_minutes(self.started, self.target_minutes + self.paused_minutes())

    def warning_at(self) -> dt.datetime | None:
        if self.paused_since:
            return None
        minutes = self.target_minutes * WARNING_FRACTION + self.paused_minutes()
        return self.working.add_minutes(self.started, minutes)

    def state(self, now: dt.datetime) -> str:
        """``paused``, ``running``, ``warning`` (80 %) or ``breached`` (100 %) at ``now``."""
        fraction = self.fraction(now)
        if fraction >= 1:
            return "breached"
        if self.paused_since and self.paused_since <= now:
            return "paused"
        return "warning" if fraction >= WARNING_FRACTION else "running"


def shifted(working: WorkingTime, moment: dt.datetime, paused_from: dt.datetime, resumed):
    """A due time set before a pause, moved by the working time the pause took: the time left
    at the pause (working minutes from the pause to ``moment``) starts again at ``resumed``. A
    moment already past when the pause began stays where it was (it was breached)."""
    if moment <= paused_from:
        return moment
    return working.add_minutes(resumed, working.minutes_between(paused_from, moment))
