import datetime as dt
import zoneinfo

import pytest

from erpkeeper.targets.windows import WindowSyntaxError, is_inside, next_start, parse_window

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_window_text_round_trips():
    spec = parse_window("Sun 02:00 4h Asia/Shanghai")
    assert spec.as_text() == "sun 02:00 4h Asia/Shanghai"
    assert parse_window("sat 22:30 90m", "UTC").as_text() == "sat 22:30 90m UTC"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("sunday", "DAY HH:MM DURATION"),
        ("xyz 02:00 4h", "unknown day"),
        ("sun 25:00 4h", "not a time of day"),
        ("sun 02:00 forever", "not a duration"),
        ("sun 02:00 0m", "between 1 minute and 7 days"),
        ("sun 02:00 4h Mars/Base", "unknown time zone"),
    ],
)
def test_bad_window_text_is_rejected_with_the_reason(text, reason):
    with pytest.raises(WindowSyntaxError, match=reason):
        parse_window(text)


def test_window_crossing_midnight_contains_early_monday_in_its_own_time_zone():
    spec = parse_window("sun 22:00 4h Asia/Shanghai")
    monday_1am = dt.datetime(2026, 11, 23, 1, 0, tzinfo=SHANGHAI)  # a Monday
    assert is_inside(spec, monday_1am)
    assert not is_inside(spec, monday_1am + dt.timedelta(hours=2))
    # The same instant seen from UTC is still inside.
    assert is_inside(spec, monday_1am.astimezone(dt.UTC))


def test_next_start_is_the_coming_occurrence():
    spec = parse_window("sun 02:00 1h UTC")
    tuesday = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
    assert next_start(spec, tuesday) == dt.datetime(
        2026, 11, 29, 2, 0, tzinfo=zoneinfo.ZoneInfo("UTC")
    )
