"""Alert values and thresholds in their metric's unit: "6.8 MB", not "6.81574e+06".

The unit is the series' own (collectors and agents send it) or, for a rule that has no series
at hand, read from the metric's name: metric names carry their unit as a suffix where it is
not obvious (``db.size_bytes``, ``erp.rpc.latency_seconds``, ``host.disk.percent``).
"""

from __future__ import annotations

from erpkeeper.lib.units import format_value

# Suffix of a metric name -> the unit erpkeeper.lib.units formats.
NAME_UNITS = (("_bytes", "B"), ("_seconds", "s"), (".percent", "%"))
FORMATTED_UNITS = ("", "B", "s", "%")


def metric_unit(metric: str, series=None) -> str:
    """The unit of ``metric``: its series' unit when known, else the one its name implies."""
    if series is not None and series.unit:
        return series.unit
    for suffix, unit in NAME_UNITS:
        if metric.endswith(suffix):
            return unit
    return ""


def value_text(value: float | None, unit: str) -> str:
    """A value in its unit; units the formatter does not know ("°C", "rpm") follow the number."""
    text = format_value(value, unit)
    if value is None or unit in FORMATTED_UNITS:
        return text
    return f"{text} {unit}"


def alert_value_text(alert) -> str:
    """The alert's last value, in its series' unit."""
    return value_text(alert.value, alert_unit(alert))


def alert_unit(alert) -> str:
    series = alert.series if alert.series_id else None
    return metric_unit(alert.rule.metric, series)


def rule_unit(rule) -> str:
    return metric_unit(rule.metric)
