"""One way to print sizes, durations and measured values everywhere: console, CLI, reports.

Sizes use decimal units (1 MB = 1,000,000 bytes), as disks are sold and as the charts label
them; before this module the CLI printed binary sizes labelled "MB", so one backup read 1.1 MB
on one page and 1.2 MB on another.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

SIZE_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def bytes_human(value) -> str:
    """1536 -> '1.5 KB'; anything that is not a number -> 'unknown'."""
    try:
        size = float(value)
    except (TypeError, ValueError):
        return _("unknown")
    for unit in SIZE_UNITS:
        if abs(size) < 1000 or unit == SIZE_UNITS[-1]:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


def seconds_human(value: float) -> str:
    return f"{value * 1000:.0f} ms" if abs(value) < 1 else f"{value:.2f} s"


def duration_short(seconds: float | None) -> str:
    """The one way a duration is written (tables, progress lines, reports, the CLI):
    4.2s, 42s, 3m05s, 2h07m; "–" when it was not measured. Under ten seconds it keeps a
    tenth: a drill of a small database takes under a second, and "0s" reads as "none"."""
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{max(0.0, seconds):.1f}s"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def number_human(value: float) -> str:
    """A plain number without exponent notation: 6815740 -> '6,815,740', 0.25 -> '0.25'."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.3g}"


def format_value(value: float | None, unit: str) -> str:
    """A measured value in its metric's unit ("B", "s", "%" or none)."""
    if value is None:
        return _("no data")
    if unit == "B":
        return bytes_human(value)
    if unit == "s":
        return seconds_human(value)
    if unit == "%":
        return f"{value:.1f} %"
    return number_human(value)
