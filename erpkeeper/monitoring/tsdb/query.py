"""Reading metrics for charts, the CLI and /metrics.

``series_points`` returns at most about ``max_points`` (time, min, avg, max) points per series,
aggregated by the database (GROUP BY bucket) from the cheapest source that still has enough
detail: raw samples for ranges up to 6 hours; up to 14 days 1-minute rollups, or 10-minute ones
when a point spans 10 minutes anyway (a week in 600 points); 1-hour rollups beyond, or sooner
when a point spans an hour. Rollups cover closed minutes and
hours only, so the newest minute (or hour) of a long range is missing until it is rolled.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery

from erpkeeper.monitoring.models import Host, Resolution, Rollup, Sample, Series

UTC = dt.UTC
RAW_MAX_SPAN = dt.timedelta(hours=6)
MINUTE_MAX_SPAN = dt.timedelta(days=14)
RAW = 1  # seconds: the finest bucket for raw samples

Point = tuple[dt.datetime, float, float, float]


def series_points(
    series_ids: list[int], start: dt.datetime, end: dt.datetime, max_points: int = 600
) -> dict[int, list[Point]]:
    """``{series id: [(bucket start, min, avg, max), …]}`` for [start, end), oldest first."""
    result: dict[int, list[Point]] = {int(i): [] for i in series_ids}
    if not result or end <= start:
        return result
    span = end - start
    resolution = choose_resolution(span, max_points)
    width = bucket_width(span, max_points, resolution)
    sql, params = _points_sql(list(result), start, end, resolution, width)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for series_id, bucket, low, mean, high in cursor.fetchall():
            result[series_id].append((bucket_start(bucket), low, mean, high))
    return result


def choose_resolution(span: dt.timedelta, max_points: int) -> int:
    """RAW or a Resolution for a range of ``span``: the coarsest rollups whose buckets are
    still no wider than a point."""
    seconds_per_point = span.total_seconds() / max(max_points, 1)
    if span > MINUTE_MAX_SPAN or seconds_per_point >= Resolution.HOUR:
        return Resolution.HOUR
    if span <= RAW_MAX_SPAN:
        return RAW
    if seconds_per_point >= Resolution.TEN_MINUTES:
        return Resolution.TEN_MINUTES
    return Resolution.MINUTE


def bucket_width(span: dt.timedelta, max_points: int, resolution: int) -> int:
    """Seconds per bucket: a multiple of the resolution, wide enough that the range touches at
    most ``max_points`` buckets (buckets are aligned on the epoch, so one more is partial)."""
    needed = span.total_seconds() / max(max_points - 1, 1)
    return max(resolution, math.ceil(needed / resolution) * resolution)


def _points_sql(series_ids, start, end, resolution, width) -> tuple[str, list]:
    placeholders = ", ".join(["%s"] * len(series_ids))
    adapt = connection.ops.adapt_datetimefield_value
    if resolution == RAW:
        table, low, mean, high = Sample._meta.db_table, "MIN(value)", "AVG(value)", "MAX(value)"
        condition = ""
        first = start
    else:
        table, low, high = Rollup._meta.db_table, 'MIN("min")', 'MAX("max")'
        mean = 'SUM("avg" * "count") / SUM("count")'
        condition = f"AND resolution = {int(resolution)}"
        # A rollup is stamped with its bucket's start: include the one the range starts in.
        first = dt.datetime.fromtimestamp(start.timestamp() // resolution * resolution, UTC)
    bucket, group = bucket_sql(width)
    sql = (
        f"SELECT series_id, {bucket}, {low}, {mean}, {high} "
        f'FROM "{table}" WHERE series_id IN ({placeholders}) {condition} '
        "AND time >= %s AND time < %s "
        f"GROUP BY series_id, {group} ORDER BY series_id, {group}"
    )
    return sql, [*series_ids, adapt(first), adapt(end)]


def bucket_sql(width: int) -> tuple[str, str]:
    """SQL for the bucket of ``time``: (its start in seconds since the epoch, to select; the
    expression to group by)."""
    width = int(width)
    if connection.vendor == "postgresql":
        # date_bin is several times faster than arithmetic on EXTRACT(EPOCH …), a numeric, and
        # the start goes out as a number: parsing 50,000 timestamps took longer than the query.
        group = f"date_bin('{width} seconds', time, TIMESTAMPTZ 'epoch')"
        return f"EXTRACT(EPOCH FROM {group})::bigint", group
    # SQLite keeps times as UTC text; strftime('%s') reads them as seconds since the epoch
    # (%% for the driver, which takes %s for a parameter).
    group = f"CAST(strftime('%%s', time) AS INTEGER) / {width}"
    return f"{group} * {width}", group


def bucket_start(epoch_seconds) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(epoch_seconds), UTC)


def latest(series_ids: list[int], since: dt.datetime | None = None) -> dict:
    """``{series id: (time, value)}`` of each series' newest raw sample (newer than ``since``)."""
    rows = with_latest(Series.objects.filter(pk__in=series_ids), since).values_list(
        "pk", "last_time", "last_value"
    )
    return {pk: (moment, value) for pk, moment, value in rows if moment is not None}


def with_latest(series: QuerySet, since: dt.datetime | None = None) -> QuerySet:
    """``series`` annotated with ``last_time`` and ``last_value``: one index probe per series
    (a GROUP BY over the samples would read all of them)."""
    newest = Sample.objects.filter(series=OuterRef("pk"))
    if since is not None:
        newest = newest.filter(time__gte=since)
    newest = newest.order_by("-time")
    return series.annotate(
        last_time=Subquery(newest.values("time")[:1]),
        last_value=Subquery(newest.values("value")[:1]),
    )


def find_series(metric=None, host=None, target=None, labels=None) -> QuerySet:
    """Series filtered by metric name, host (object or name), target (object or name) and
    labels (every given label must match)."""
    series = Series.objects.select_related("host", "target")
    if metric:
        series = series.filter(metric=metric)
    if host is not None:
        series = (
            series.filter(host=host) if isinstance(host, Host) else series.filter(host__name=host)
        )
    if target is not None:
        series = series.filter(
            **({"target__name": target} if isinstance(target, str) else {"target": target})
        )
    for key, value in (labels or {}).items():
        series = series.filter(**{f"labels__{key}": value})
    return series
