"""How sizes, durations and numbers read in tables, progress lines, reports and the CLI."""

import pytest

from erpkeeper.lib.units import bytes_human, duration_short, number_human


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "–"),
        (0.04, "0.0s"),
        (0.46, "0.5s"),
        (4.23, "4.2s"),
        (9.94, "9.9s"),
        (42.4, "42s"),
        (185, "3m05s"),
        (3599.6, "1h00m"),
        (7620, "2h07m"),
        (90061, "25h01m"),
    ],
)
def test_a_duration_is_written_one_way_everywhere(seconds, text):
    assert duration_short(seconds) == text


def test_a_clock_that_stepped_back_never_shows_a_negative_duration():
    assert duration_short(-3) == "0.0s"


def test_sizes_use_decimal_units_like_disk_vendors():
    assert bytes_human(1_500_000) == "1.5 MB"


def test_big_numbers_are_written_without_an_exponent():
    assert number_human(6815740) == "6,815,740"
