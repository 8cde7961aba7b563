"""The SLA clock on Chinese working days: holidays skipped, adjusted working days (调休) counted,
pauses while waiting for the requester. Pure: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from erpkeeper.servicedesk.sla.calendars import days_off_and_workdays, working_time
from erpkeeper.servicedesk.sla.clock import (
    DAY_KEYS,
    HoursError,
    SlaClock,
    parse_weekly,
    shifted,
)

OFFICE = parse_weekly(dict.fromkeys(DAY_KEYS[:5], "09:00-12:00,13:00-18:00"))


@pytest.fixture
def beijing():
    return working_time(OFFICE, "Asia/Shanghai", "CN", around=dt.date(2025, 9, 1))


def at(working, *parts):
    return dt.datetime(*parts, tzinfo=working.zone)


def test_the_library_knows_the_2025_national_day_and_its_adjusted_working_days():
    days_off, workdays = days_off_and_workdays("CN", (2025,))
    assert dt.date(2025, 10, 1) in days_off and dt.date(2025, 10, 8) in days_off
    assert dt.date(2025, 9, 28) in workdays  # a Sunday worked
    assert dt.date(2025, 10, 11) in workdays  # a Saturday worked


def test_a_clock_skips_national_day_week(beijing):
    # Tuesday 30 September 17:00 + 2 working hours: 1 hour that day, then 1 to 8 October off.
    due = beijing.add_minutes(at(beijing, 2025, 9, 30, 17), 120)
    assert due == at(beijing, 2025, 10, 9, 10)
    assert beijing.minutes_between(at(beijing, 2025, 10, 1, 9), at(beijing, 2025, 10, 8, 18)) == 0


def test_a_clock_counts_an_adjusted_working_saturday(beijing):
    # Friday 10 October 17:00 + 2 working hours: Saturday 11 October is a working day (调休).
    due = beijing.add_minutes(at(beijing, 2025, 10, 10, 17), 120)
    assert due == at(beijing, 2025, 10, 11, 10)
    # An ordinary Saturday is not.
    plain = beijing.add_minutes(at(beijing, 2025, 10, 17, 17), 120)
    assert plain == at(beijing, 2025, 10, 20, 10)


def test_lunch_breaks_and_nights_do_not_count(beijing):
    assert beijing.minutes_between(at(beijing, 2025, 9, 1, 11), at(beijing, 2025, 9, 1, 14)) == 120
    assert beijing.minutes_between(at(beijing, 2025, 9, 1, 17), at(beijing, 2025, 9, 2, 10)) == 120


def test_the_same_moment_in_another_time_zone_counts_the_same(beijing):
    start = at(beijing, 2025, 9, 1, 9).astimezone(dt.UTC)
    assert beijing.add_minutes(start, 60) == at(beijing, 2025, 9, 1, 10)


def test_a_pause_stops_the_clock(beijing):
    start = at(beijing, 2025, 9, 1, 9)
    running = SlaClock(beijing, start, target_minutes=240)
    assert running.due() == at(beijing, 2025, 9, 1, 14)
    paused = SlaClock(beijing, start, 240, paused_since=at(beijing, 2025, 9, 1, 10))
    later = at(beijing, 2025, 9, 3, 17)
    assert paused.elapsed(later) == 60
    assert paused.state(later) == "paused"
    assert paused.due() is None
    resumed = SlaClock(beijing, start, 240, pauses=[(at(beijing, 2025, 9, 1, 10), later)])
    # 60 minutes counted before the pause, 180 left from 17:00 on the 3rd: 1 h then 2 h next day.
    assert resumed.due() == at(beijing, 2025, 9, 4, 11)


def test_warning_at_80_percent_and_breach_at_100(beijing):
    clock = SlaClock(beijing, at(beijing, 2025, 9, 1, 9), target_minutes=100)
    assert clock.warning_at() == at(beijing, 2025, 9, 1, 10, 20)
    assert clock.state(at(beijing, 2025, 9, 1, 10, 19)) == "running"
    assert clock.state(at(beijing, 2025, 9, 1, 10, 20)) == "warning"
    assert clock.state(at(beijing, 2025, 9, 1, 10, 40)) == "breached"


def test_a_due_time_moves_by_the_working_time_a_pause_took(beijing):
    due = at(beijing, 2025, 9, 1, 15)
    moved = shifted(beijing, due, at(beijing, 2025, 9, 1, 14), at(beijing, 2025, 9, 2, 9))
    assert moved == at(beijing, 2025, 9, 2, 10)
    # Already breached before the pause: stays breached.
    assert shifted(beijing, due, at(beijing, 2025, 9, 1, 16), at(beijing, 2025, 9, 2, 9)) == due


def test_round_the_clock_hours_and_bad_hours():
    weekly = parse_weekly(dict.fromkeys(DAY_KEYS, "00:00-24:00"))
    always = working_time(weekly, "UTC", "")
    start = dt.datetime(2025, 10, 1, 23, tzinfo=dt.UTC)
    assert always.add_minutes(start, 120) == dt.datetime(2025, 10, 2, 1, tzinfo=dt.UTC)
    with pytest.raises(HoursError, match="ends before it starts"):
        parse_weekly({"mon": "18:00-09:00"})
    with pytest.raises(HoursError, match="unknown days"):
        parse_weekly({"monday": "09:00-18:00"})
    with pytest.raises(ValueError, match="no working time"):
        working_time(parse_weekly({}), "UTC", "").add_minutes(start, 1)
