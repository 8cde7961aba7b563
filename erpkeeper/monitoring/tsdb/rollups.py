"""1-minute, 10-minute and 1-hour rollups (min/avg/max/count) and the retention of all.

Rollups are recomputed from what changed, not from the clock: ingest lowers the host's
``minutes_dirty_from`` to the earliest sample of each batch (an agent may deliver a day late from
its buffer), and ``roll_up()`` recomputes the closed minutes from there, then the closed
10 minutes and hours those minutes fall in (both from the 1-minute rollups). Each bucket is
recomputed whole and upserted, so running twice, or over minutes already rolled, gives the same
rows.

The host row is locked while its rollups are computed: ingest takes the same lock first, so a
batch is either fully visible to a rollup or marks its minutes dirty for the next one.

Retention deletes in small batches so that no DELETE holds the database for long (SQLite has one
writer at a time; ingest must keep flowing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Avg, Count, F, FloatField, Max, Min, Sum
from django.db.models.functions import TruncHour, TruncMinute
from django.utils import timezone

from erpkeeper.monitoring.models import Host, Resolution, Rollup, Sample, Series
from erpkeeper.monitoring.tsdb.query import bucket_sql, bucket_start

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
TEN_MINUTES = dt.timedelta(minutes=10)
RAW_RETENTION = dt.timedelta(days=7)
RETENTION = {
    Resolution.MINUTE: dt.timedelta(days=90),
    Resolution.TEN_MINUTES: dt.timedelta(days=90),
    Resolution.HOUR: dt.timedelta(days=730),
}
DELETE_BATCH = 5_000
UPSERT_BATCH = 1_000


@dataclass
class RollupCounts:
    minutes: int = 0
    ten_minutes: int = 0
    hours: int = 0


def roll_up(now: dt.datetime | None = None) -> RollupCounts:
    """Roll every host's closed, changed minutes and hours (the every-minute schedule)."""
    now = now or timezone.now()
    counts = RollupCounts()
    dirty = Host.objects.filter(minutes_dirty_from__isnull=False) | Host.objects.filter(
        hours_dirty_from__isnull=False
    )
    for host_id in dirty.values_list("pk", flat=True):
        host_counts = roll_up_host(host_id, now)
        counts.minutes += host_counts.minutes
        counts.ten_minutes += host_counts.ten_minutes
        counts.hours += host_counts.hours
    return counts


def roll_up_host(host_id: int, now: dt.datetime) -> RollupCounts:
    minute_end = floor_minute(now)
    ten_end = floor_hour(now) + (minute_end - floor_hour(now)) // TEN_MINUTES * TEN_MINUTES
    hour_end = floor_hour(now)
    counts = RollupCounts()
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=host_id)
        minutes_from, hours_from = host.minutes_dirty_from, host.hours_dirty_from
        if minutes_from is not None and minutes_from < minute_end:
            start = floor_minute(minutes_from)
            counts.minutes = upsert(minute_rollups(host_id, start, minute_end))
            touched_hour = floor_hour(start)
            hours_from = touched_hour if hours_from is None else min(hours_from, touched_hour)
            minutes_from = minute_end if _raw_samples_since(host_id, minute_end) else None
        # hours_from marks the hours whose minutes changed: their closed 10-minute buckets are
        # recomputed every run (a few rows), the hour itself once it is closed.
        if hours_from is not None and hours_from < ten_end:
            counts.ten_minutes = upsert(ten_minute_rollups(host_id, hours_from, ten_end))
        if hours_from is not None and hours_from < hour_end:
            counts.hours = upsert(hour_rollups(host_id, hours_from, hour_end))
            hours_from = hour_end if _minute_rollups_since(host_id, hour_end) else None
        Host.objects.filter(pk=host_id).update(
            minutes_dirty_from=minutes_from, hours_dirty_from=hours_from
        )
    return counts


def minute_rollups(host_id: int, start: dt.datetime, end: dt.datetime) -> list[Rollup]:
    """1-minute rollups of the host's raw samples in [start, end)."""
    buckets = (
        Sample.objects.filter(series__host_id=host_id, time__gte=start, time__lt=end)
        .annotate(bucket=TruncMinute("time", tzinfo=UTC))
        .values("series_id", "bucket")
        .annotate(low=Min("value"), mean=Avg("value"), high=Max("value"), n=Count("id"))
        .order_by()
    )
    return [
        Rollup(
            series_id=b["series_id"],
            resolution=Resolution.MINUTE,
            time=b["bucket"],
            min=b["low"],
            avg=b["mean"],
            max=b["high"],
            count=b["n"],
        )
        for b in buckets
    ]


def ten_minute_rollups(host_id: int, start: dt.datetime, end: dt.datetime) -> list[Rollup]:
    """10-minute rollups of the host's 1-minute rollups in [start, end). In SQL: Django has no
    10-minute Trunc."""
    bucket, group = bucket_sql(Resolution.TEN_MINUTES)
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f'SELECT series_id, {bucket}, MIN("min"), SUM("avg" * "count"), MAX("max"), '
        f'SUM("count") FROM "{Rollup._meta.db_table}" '
        "WHERE resolution = %s AND time >= %s AND time < %s "
        f'AND series_id IN (SELECT id FROM "{Series._meta.db_table}" WHERE host_id = %s) '
        f"GROUP BY series_id, {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(Resolution.MINUTE), adapt(start), adapt(end), host_id])
        rows = cursor.fetchall()
    return [
        Rollup(
            series_id=series_id,
            resolution=Resolution.TEN_MINUTES,
            time=bucket_start(bucket),
            min=low,
            avg=total / count,
            max=high,
            count=count,
        )
        for series_id, bucket, low, total, high, count in rows
        if count
    ]


def hour_rollups(host_id: int, start: dt.datetime, end: dt.datetime) -> list[Rollup]:
    """1-hour rollups of the host's 1-minute rollups in [start, end), the average weighted by
    each minute's sample count."""
    buckets = (
        Rollup.objects.filter(
            series__host_id=host_id, resolution=Resolution.MINUTE, time__gte=start, time__lt=end
        )
        .annotate(bucket=TruncHour("time", tzinfo=UTC))
        .values("series_id", "bucket")
        .annotate(
            low=Min("min"),
            total=Sum(F("avg") * F("count"), output_field=FloatField()),
            high=Max("max"),
            n=Sum("count"),
        )
        .order_by()
    )
    return [
        Rollup(
            series_id=b["series_id"],
            resolution=Resolution.HOUR,
            time=b["bucket"],
            min=b["low"],
            avg=b["total"] / b["n"],
            max=b["high"],
            count=b["n"],
        )
        for b in buckets
        if b["n"]
    ]


def upsert(rollups: list[Rollup]) -> int:
    Rollup.objects.bulk_create(
        rollups,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["series", "resolution", "time"],
        update_fields=["min", "avg", "max", "count"],
    )
    return len(rollups)


def _raw_samples_since(host_id: int, moment: dt.datetime) -> bool:
    return Sample.objects.filter(series__host_id=host_id, time__gte=moment).exists()


def _minute_rollups_since(host_id: int, moment: dt.datetime) -> bool:
    return Rollup.objects.filter(
        series__host_id=host_id, resolution=Resolution.MINUTE, time__gte=moment
    ).exists()


def floor_minute(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def floor_hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# -- retention --------------------------------------------------------------------------------


@dataclass
class RetentionCounts:
    samples: int = 0
    rollups: dict = field(default_factory=dict)  # resolution in seconds -> rows deleted


def apply_retention(now: dt.datetime | None = None, *, on_batch=None) -> RetentionCounts:
    """Delete raw samples older than 7 days, 1- and 10-minute rollups older than 90 days and
    1-hour rollups older than 2 years. ``on_batch()`` is called between batches (progress,
    cancel)."""
    now = now or timezone.now()
    counts = RetentionCounts(delete_in_batches(Sample, now - RAW_RETENTION, on_batch=on_batch))
    for resolution, age in RETENTION.items():
        counts.rollups[int(resolution)] = delete_in_batches(Rollup, now - age, resolution, on_batch)
    return counts


def delete_in_batches(model, cutoff: dt.datetime, resolution=None, on_batch=None) -> int:
    """DELETE rows older than ``cutoff`` a few thousand at a time, each its own transaction.
    Plain SQL: the ORM's delete() would load every row to send signals."""
    table = model._meta.db_table
    condition, params = "time < %s", [connection.ops.adapt_datetimefield_value(cutoff)]
    if resolution is not None:
        condition += " AND resolution = %s"
        params.append(int(resolution))
    sql = (
        f'DELETE FROM "{table}" WHERE id IN '
        f'(SELECT id FROM "{table}" WHERE {condition} LIMIT {DELETE_BATCH})'
    )
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        deleted += count
        if count < DELETE_BATCH:
            return deleted
        if on_batch is not None:
            on_batch(deleted)
