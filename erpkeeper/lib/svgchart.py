"""Line charts drawn on the server as SVG: the same picture on a console page and in a PDF
(WeasyPrint draws inline SVG; a script-drawn canvas would be blank there)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 12, 26  # room for the axis labels
COLOURS = ("#2563eb", "#16a34a", "#d97706", "#7c3aed", "#0891b2")  # red is the threshold's
GRID = "#e5e7eb"
TEXT = "#6b7280"


@dataclass
class Line:
    label: str
    points: list[tuple[dt.datetime, float]]


@dataclass
class LineChart:
    """Lines over time, a y range (``low``..``high``, widened to fit the data) and an optional
    horizontal limit drawn dashed (a threshold)."""

    lines: list[Line]
    unit: str = ""
    low: float = 0.0
    high: float | None = None
    limit: float | None = None
    limit_label: str = ""
    title: str = ""

    def has_data(self) -> bool:
        return any(len(line.points) >= 2 for line in self.lines)


def render(chart: LineChart) -> str:
    """The chart as an inline ``<svg>`` element ("" when no line has two points)."""
    if not chart.has_data():
        return ""
    times = [moment for line in chart.lines for moment, _value in line.points]
    values = [value for line in chart.lines for _moment, value in line.points]
    start, end = min(times), max(times)
    low = min(chart.low, *values)
    high = max(values + [chart.limit or low])
    if chart.high is not None:
        high = max(high, chart.high)
    if high == low:
        high = low + 1.0
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(moment: dt.datetime) -> float:
        return LEFT + (moment - start).total_seconds() / span * plot_w

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(chart.title)}" '
        'style="font: 10px sans-serif; max-width: 100%">'
    ]
    parts += _grid(low, high, chart.unit, y)
    parts += _time_axis(start, end, x)
    if chart.limit is not None:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(chart.limit):.1f}" '
            f'y2="{y(chart.limit):.1f}" stroke="#dc2626" stroke-dasharray="4 3"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y(chart.limit) - 3:.1f}" text-anchor="end" '
            f'fill="#dc2626">{escape(chart.limit_label)}</text>'
        )
    for index, line in enumerate(chart.lines):
        colour = COLOURS[index % len(COLOURS)]
        path = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in line.points)
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{path}"/>'
        )
        parts.append(
            f'<text x="{LEFT + 6 + index * 150}" y="{TOP + 10}" fill="{colour}">'
            f"{escape(line.label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _grid(low: float, high: float, unit: str, y) -> list[str]:
    parts = []
    for step in range(5):
        value = low + (high - low) * step / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="{GRID}"/><text x="{LEFT - 4}" y="{y(value) + 3:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(_number(value))}{escape(unit)}</text>'
        )
    return parts


def _time_axis(start: dt.datetime, end: dt.datetime, x) -> list[str]:
    parts = []
    for step in range(5):
        moment = start + (end - start) * step / 4
        anchor = "start" if step == 0 else "end" if step == 4 else "middle"
        parts.append(
            f'<text x="{x(moment):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}" '
            f'fill="{TEXT}">{moment:%m-%d}</text>'
        )
    return parts


def _number(value: float) -> str:
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.1f}"
