"""When will a disk or a database be full? A least-squares line through the last 30 days of
1-hour rollups, extended to the limit.

    from erpkeeper.monitoring.forecast import days_until_full

    days_until_full(series)  # float days from now, or None: not growing / too little history

``host.disk.percent`` grows towards 100, ``host.disk.free_bytes`` shrinks towards 0 and
``db.size_bytes`` grows towards a limit: the ``limit`` given, else its size now plus the free
space of the disk it most probably lives on (see ``database_headroom``). The arithmetic
(``linear_trend``, ``days_to_reach``) is pure Python on (seconds, value) pairs, so it is tested
without a database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from erpkeeper.monitoring.models import Resolution, Rollup, Series
from erpkeeper.monitoring.placement import hosts_running
from erpkeeper.monitoring.tsdb.query import latest

HISTORY = dt.timedelta(days=30)
# A trend from a few hours of data says more about the time of day than about growth.
MIN_POINTS = 12
MIN_SPAN = dt.timedelta(hours=12)
WARN_DAYS = 14
CRITICAL_DAYS = 7
DAY_SECONDS = 86400.0
PERCENT_METRIC = "host.disk.percent"
FREE_METRIC = "host.disk.free_bytes"
DB_SIZE_METRIC = "db.size_bytes"
FORECAST_METRICS = (PERCENT_METRIC, FREE_METRIC, DB_SIZE_METRIC)


# -- the arithmetic -------------------------------------------------------------------------------


def linear_trend(points: list[tuple[float, float]]) -> tuple[float, float] | None:
    """(slope per second, value at x = 0) of the least-squares line, or None when the x values
    do not spread (a single moment has no slope)."""
    count = len(points)
    if count < 2:
        return None
    mean_x = sum(x for x, _y in points) / count
    mean_y = sum(y for _x, y in points) / count
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def days_to_reach(
    points: list[tuple[float, float]], limit: float, now_seconds: float, *, rising: bool = True
) -> float | None:
    """Days from ``now_seconds`` until the trend line reaches ``limit`` (rising towards it, or
    falling towards it when ``rising`` is False); 0 when already there; None when the line does
    not move towards the limit."""
    trend = linear_trend(points)
    if trend is None:
        return None
    slope, intercept = trend
    if (slope <= 0) if rising else (slope >= 0):
        return None
    value_now = intercept + slope * now_seconds
    if (value_now >= limit) if rising else (value_now <= limit):
        return 0.0
    return (limit - value_now) / slope / DAY_SECONDS


# -- reading the rollups -------------------------------------------------------------------------


def hourly_points(series_id: int, now: dt.datetime) -> list[tuple[float, float]]:
    """(epoch seconds, hourly average) of the last 30 days, oldest first."""
    rows = Rollup.objects.filter(
        series_id=series_id, resolution=Resolution.HOUR, time__gte=now - HISTORY, time__lt=now
    ).order_by("time")
    return [(moment.timestamp(), mean) for moment, mean in rows.values_list("time", "avg")]


def enough_history(points: list[tuple[float, float]]) -> bool:
    if len(points) < MIN_POINTS:
        return False
    return points[-1][0] - points[0][0] >= MIN_SPAN.total_seconds()


def days_until_full(
    series: Series, *, now: dt.datetime | None = None, limit: float | None = None
) -> float | None:
    """Days until ``series`` (host.disk.percent, host.disk.free_bytes or db.size_bytes) is
    full, from the trend of its last 30 days of hourly rollups. None when it is not growing,
    when there is too little history (12 hours) or when no limit is known. ``limit`` overrides
    the default one (100 %, 0 bytes free, the database's size now plus its disk's free space)."""
    now = now or timezone.now()
    return _days_from(series, hourly_points(series.pk, now), now, limit)


def _days_from(series: Series, points, now: dt.datetime, limit: float | None) -> float | None:
    if not enough_history(points):
        return None
    if series.metric == PERCENT_METRIC:
        return days_to_reach(points, 100.0 if limit is None else limit, now.timestamp())
    if series.metric == FREE_METRIC:
        return days_to_reach(points, limit or 0.0, now.timestamp(), rising=False)
    if series.metric == DB_SIZE_METRIC:
        limit = limit if limit is not None else database_limit(series, points)
        return None if limit is None else days_to_reach(points, limit, now.timestamp())
    return None


def database_limit(series: Series, points: list[tuple[float, float]]) -> float | None:
    """The size at which the database fills its disk: its size now plus the disk's free space."""
    headroom = database_headroom(series)
    return None if headroom is None else points[-1][1] + headroom


def database_headroom(series: Series) -> float | None:
    """Free bytes of the disk the database most probably lives on. ERPKeeper cannot see the
    database's data directory, so: the "/" mount of a host that runs the target, else the mount
    with the most free space (a small /boot must not make every database look full)."""
    if series.target_id is None:
        return None
    disks = list(
        Series.objects.filter(
            metric=FREE_METRIC, host_id__in=hosts_running(series.target_id), target__isnull=True
        )
    )
    if not disks:
        disks = list(Series.objects.filter(metric=FREE_METRIC, host_id=series.host_id))
    values = latest([disk.pk for disk in disks])
    free_by_mount = {
        disk.labels.get("mount", ""): values[disk.pk][1] for disk in disks if disk.pk in values
    }
    if not free_by_mount:
        return None
    return free_by_mount.get("/", max(free_by_mount.values()))


# -- what the console shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskForecast:
    """One line of the target's forecast: what fills up, and when."""

    series: Series
    days: float | None
    enough_history: bool = True  # False: "not growing" would be a guess
    limit_known: bool = True  # False: a database whose disk is not monitored (days is None)

    @property
    def what(self) -> str:
        return self.series.labels.get("mount") or ""

    @property
    def state(self) -> str:
        """Critical under 7 days, warning under 14, else ok."""
        if self.days is None:
            return "ok"
        if self.days < CRITICAL_DAYS:
            return "critical"
        return "warning" if self.days < WARN_DAYS else "ok"


def target_forecasts(target, now: dt.datetime | None = None) -> list[DiskForecast]:
    """The disks of the target's hosts (percent when collected, else free bytes, per mount) and
    its database, each with its days until full."""
    now = now or timezone.now()
    disks = (
        Series.objects.filter(
            metric__in=(PERCENT_METRIC, FREE_METRIC),
            host_id__in=hosts_running(target.pk),
            target__isnull=True,
        )
        .select_related("host")
        .order_by("host__name", "-metric", "pk")
    )
    chosen: dict[tuple, Series] = {}
    for disk in disks:
        # Percent sorts before free bytes: one line per mount, in the unit people read.
        chosen.setdefault((disk.host_id, disk.labels.get("mount", "")), disk)
    databases = Series.objects.filter(metric=DB_SIZE_METRIC, target=target).order_by("pk")
    by_mount = sorted(chosen.items(), key=lambda item: (item[1].host.name, item[0][1]))
    forecasts = []
    for series in [*(disk for _key, disk in by_mount), *databases]:
        points = hourly_points(series.pk, now)
        days = _days_from(series, points, now, None)
        limit_known = series.metric != DB_SIZE_METRIC or database_headroom(series) is not None
        forecasts.append(DiskForecast(series, days, enough_history(points), limit_known))
    return forecasts
