"""``erpkeeper host add|list|remove|rotate-token`` and ``erpkeeper metrics list|query``."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    add_actions,
    emit,
    find_one,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.monitoring.filters import SeriesFilterSet
from erpkeeper.monitoring.models import Host, Series
from erpkeeper.monitoring.services import create_host, remove_host, rotate_token
from erpkeeper.monitoring.tsdb.http import agent_command
from erpkeeper.monitoring.tsdb.query import find_series, series_points, with_latest

SPARK = "▁▂▃▄▅▆▇█"
DURATION = re.compile(r"^(\d+)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def register(sub) -> None:
    host = sub.add_parser("host", help="machines that report metrics (agents and this server)")
    actions = host.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add a host; prints its token once and the agent command")
    add.add_argument("name")
    add.add_argument("--target", action="append", default=[], metavar="T", help="repeatable")
    add.set_defaults(handler=handle_host_add)
    actions.add_parser("list", help="hosts, last seen, series").set_defaults(
        handler=handle_host_list
    )
    add_actions(
        actions,
        (
            ("remove", "remove a host with all its metrics", handle_host_remove),
            ("rotate-token", "give the host a new token (the old one then fails)", handle_rotate),
        ),
        "name",
    )

    metrics = sub.add_parser("metrics", help="stored metric series and their values")
    metric_actions = metrics.add_subparsers(dest="action", metavar="ACTION")
    metric_actions.required = True
    listing = metric_actions.add_parser("list", help="series with their latest values")
    add_filter_arguments(listing, SeriesFilterSet)
    listing.set_defaults(handler=handle_metrics_list)
    show = metric_actions.add_parser("query", help="a metric over time, as a table and sparkline")
    show.add_argument("metric")
    show.add_argument("--host", metavar="H")
    show.add_argument("--since", default="1h", metavar="DURATION", help="e.g. 30m, 6h, 7d")
    show.add_argument("--points", type=int, default=20, help="rows in the table (default 20)")
    show.set_defaults(handler=handle_metrics_query)


# -- hosts ------------------------------------------------------------------------------------


def handle_host_add(args) -> int:
    try:
        host, token = create_host(args.name, targets=args.target)
    except ValidationError as exc:
        raise validation_error(exc) from None
    command = agent_command(host.name, token)
    emit(
        args,
        {**host_row(host), "token": token, "agent_command": command},
        f"added host {host.name}\n"
        f"token (shown once, only its hash is kept): {token}\n"
        f"on {host.name}, run:\n  {command}",
    )
    return 0


def handle_host_list(args) -> int:
    hosts = Host.objects.annotate(series_count=Count("series")).prefetch_related("targets")
    rows = [host_row(host) for host in hosts]
    emit(args, rows, table(rows, ["name", "kind", "last_seen", "series", "agent", "targets"]))
    return 0


def handle_host_remove(args) -> int:
    host = find_host(args.name)
    remove_host(host)
    emit(args, {"removed": host.name}, f"removed host {host.name} and its metrics")
    return 0


def handle_rotate(args) -> int:
    host = find_host(args.name)
    token = rotate_token(host)
    command = agent_command(host.name, token)
    emit(
        args,
        {"host": host.name, "token": token, "agent_command": command},
        f"new token for {host.name} (the old one no longer works): {token}\n"
        f"restart the agent with:\n  {command}",
    )
    return 0


def find_host(name: str):
    return find_one(Host.objects, "host", name=name)


def host_row(host) -> dict:
    return {
        "name": host.name,
        "kind": host.kind,
        "last_seen": _iso(host.last_seen) or "never",
        "series": getattr(host, "series_count", None),
        "agent": host.agent_version,
        "targets": ",".join(t.name for t in host.targets.all()),
    }


# -- metrics ----------------------------------------------------------------------------------


def handle_metrics_list(args) -> int:
    series = filter_from_arguments(
        SeriesFilterSet, Series.objects.select_related("host", "target"), args
    )
    series = with_latest(series).order_by("metric", "id")
    rows = [
        {
            "id": s.pk,
            "metric": s.metric,
            "labels": ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())),
            "host": s.host.name,
            "target": s.target.name if s.target else "",
            "value": _value(s.last_value, s.unit),
            "time": _iso(s.last_time),
        }
        for s in series
    ]
    emit(args, rows, table(rows, ["id", "metric", "labels", "host", "target", "value", "time"]))
    return 0


def handle_metrics_query(args) -> int:
    since = parse_duration(args.since)
    series = list(find_series(metric=args.metric, host=args.host))
    if not series:
        raise CommandError(f"no series of metric {args.metric!r}", EXIT_NOT_FOUND, "not_found")
    end = timezone.now()
    points = series_points([s.pk for s in series], end - since, end, max(args.points, 2))
    data = [series_data(s, points[s.pk]) for s in series]
    emit(args, data, "\n\n".join(series_text(item) for item in data))
    return 0


def series_data(series, points) -> dict:
    labels = ",".join(f"{k}={v}" for k, v in sorted(series.labels.items()))
    return {
        "id": series.pk,
        "series": f"{series.host.name} {series.metric}" + (f"{{{labels}}}" if labels else ""),
        "unit": series.unit,
        "points": [
            {"time": _iso(t), "min": low, "avg": mean, "max": high} for t, low, mean, high in points
        ],
    }


def series_text(item: dict) -> str:
    points = item["points"]
    if not points:
        return f"{item['series']}: no data in this range"
    rows = [{k: _number(v) if k != "time" else v for k, v in p.items()} for p in points]
    return "\n".join(
        [f"{item['series']}  {sparkline([p['avg'] for p in points])}", table(rows, list(rows[0]))]
    )


def sparkline(values: list[float]) -> str:
    low, high = min(values), max(values)
    spread = (high - low) or 1.0
    return "".join(SPARK[int((v - low) / spread * (len(SPARK) - 1))] for v in values)


def parse_duration(text: str) -> dt.timedelta:
    match = DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise CommandError(f"--since {text!r}: use e.g. 30m, 6h or 7d", EXIT_USAGE, "usage")
    return dt.timedelta(seconds=int(match.group(1)) * SECONDS[match.group(2)])


def _number(value: float) -> str:
    return f"{value:.4g}"


def _value(value, unit: str) -> str:
    if value is None:
        return "–"
    return f"{_number(value)} {unit}".strip()


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
