"""Holiday calendars for the SLA clock, from the maintained ``holidays`` library (no Django).

For mainland China (``CN``) the library carries both what the State Council announces each
winter for the next year: the days off (public holidays and the weekdays given off in exchange,
"Day off (substituted from …)") and the adjusted working days (调休), a Saturday or Sunday worked
instead (``weekend_workdays``, holidays >= 0.60). A year not announced yet has only the fixed
holidays and no adjusted working days: upgrading ``holidays`` brings them, and until then the
team enters them as calendar days (``adjusted``: (date, "day_off" | "working_day") pairs), which
win over the library.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from erpkeeper.servicedesk.sla.clock import Period, WorkingTime

NO_CALENDAR = ""
CHINA = "CN"
# The values of servicedesk.models.DayKind (this module knows no Django).
DAY_OFF, WORKING_DAY = "day_off", "working_day"


@lru_cache(maxsize=32)
def days_off_and_workdays(country: str, years: tuple[int, ...]):
    """(holidays, adjusted working days) of ``country`` in ``years``, as frozen sets of dates."""
    if not country:
        return frozenset(), frozenset()
    calendar = holidays.country_holidays(country, years=years)
    workdays = getattr(calendar, "weekend_workdays", set())
    return frozenset(calendar.keys()), frozenset(d for d in workdays if d.year in years)


def working_time(
    weekly: dict[int, tuple[Period, ...]],
    time_zone: str,
    country: str = CHINA,
    around: dt.date | None = None,
    years_after: int = 2,
    adjusted: tuple[tuple[dt.date, str], ...] = (),
) -> WorkingTime:
    """The team's ``WorkingTime`` with the holidays of the year before ``around`` (default
    today) to ``years_after`` years later: enough for any SLA started now."""
    year = (around or dt.date.today()).year
    years = tuple(range(year - 1, year + years_after + 1))
    days_off, workdays = days_off_and_workdays(country, years)
    off = {day for day, kind in adjusted if kind == DAY_OFF}
    worked = {day for day, kind in adjusted if kind == WORKING_DAY}
    days_off = frozenset((days_off - worked) | off)
    workdays = frozenset((workdays - off) | worked)
    return WorkingTime(weekly, time_zone, days_off, workdays)


def is_supported(country: str) -> bool:
    return not country or country in holidays.list_supported_countries()
