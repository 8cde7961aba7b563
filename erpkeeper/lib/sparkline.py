"""Sparklines drawn on the server as SVG polyline points: a panel needs no script for them."""

from __future__ import annotations

import datetime as dt

SPARK_SPAN = dt.timedelta(hours=6)
SPARK_WIDTH, SPARK_HEIGHT = 120, 28


def sparkline(values: list[float]) -> str:
    """SVG polyline points for ``values`` in a SPARK_WIDTH × SPARK_HEIGHT box ("" when fewer
    than two): drawn on the server, so the panel needs no script."""
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    if high == low:  # a steady value: a line across the middle, not along the floor
        low, high = low - 1.0, high + 1.0
    spread = high - low
    step = SPARK_WIDTH / (len(values) - 1)
    return " ".join(
        f"{index * step:.1f},{SPARK_HEIGHT - 2 - (value - low) / spread * (SPARK_HEIGHT - 4):.1f}"
        for index, value in enumerate(values)
    )
