"""Synthetic metrics from ERPKeeper's own data, so backup and drill trouble goes through the
same rules, silences and notifications as a full disk.

At each evaluation, per target (stored on the embedded host, with the target):

  backup.age_seconds   seconds since the newest good backup started (since the target was
                       added when it has none yet: a target never backed up ages too)
  backup.rpo_ratio     that age divided by the target's RPO: above 1, the RPO is missed
  drill.failed         1 when the target's newest finished drill failed, else 0

and, every ten minutes, for every disk and database that reports its size:

  capacity.days_until_full   days until it is full by the linear trend of the last 30 days
                             (monitoring.forecast); 3650 when it is not growing or has
                             too little history yet
"""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery

from erpkeeper.backups.models import Backup, BackupStatus, Drill
from erpkeeper.core.runs import RunStatus
from erpkeeper.monitoring.forecast import days_until_full
from erpkeeper.monitoring.models import Series
from erpkeeper.monitoring.tsdb.ingest import MetricSample, embedded_host, ingest
from erpkeeper.targets.models import Target

# Alerts on these are about the target, not the series: keyed by target, they survive the
# embedded host being renamed (a new series for the same target).
TARGET_LEVEL_METRICS = frozenset({"backup.age_seconds", "backup.rpo_ratio", "drill.failed"})


def emit_backup_metrics(now) -> int:
    """Ingest the backup metrics of every target at ``now``; returns how many samples."""
    samples = [sample for target in _targets_with_facts() for sample in _samples(target, now)]
    if samples:
        ingest(embedded_host(), samples)
    return len(samples)


CAPACITY_EVERY = dt.timedelta(minutes=10)
CAPACITY_SOURCES = ("host.disk.percent", "db.size_bytes")
NOT_GROWING_DAYS = 3650.0  # "not within ten years": a value, so a firing alert can resolve
_capacity_done_at: dt.datetime | None = None


def emit_capacity_metrics(now) -> int:
    """Ingest the days-until-full of every disk and database (at most every ten minutes: the
    trend reads 30 days of hourly rollups)."""
    global _capacity_done_at
    if _capacity_done_at is not None and now - _capacity_done_at < CAPACITY_EVERY:
        return 0
    _capacity_done_at = now
    samples = [sample for series in _capacity_series(now) if (sample := _days(series, now))]
    if samples:
        ingest(embedded_host(), samples)
    return len(samples)


def _capacity_series(now):
    recent = now - dt.timedelta(hours=1)
    return (
        Series.objects.filter(metric__in=CAPACITY_SOURCES, samples__time__gte=recent)
        .select_related("host", "target")
        .distinct()
    )


def _days(series, now) -> MetricSample | None:
    days = days_until_full(series, now=now)
    if days is None:
        days = NOT_GROWING_DAYS
    labels = {"host": series.host.name, "source": series.metric, **series.labels}
    target = series.target.name if series.target else None
    return MetricSample(
        "capacity.days_until_full", min(days, NOT_GROWING_DAYS), now, labels, target, "d"
    )


def _targets_with_facts():
    """Targets annotated with their newest good backup's start and newest drill's status, in
    one query (subqueries) rather than two per target."""
    good = (
        Backup.objects.filter(target=OuterRef("pk"), status=BackupStatus.SUCCEEDED)
        .exclude(verify_ok=False)  # as drills.newest_good_backup: a failed check is no backup
        .order_by("-started")
    )
    finished_drills = Drill.objects.filter(target=OuterRef("pk")).exclude(status=RunStatus.RUNNING)
    return Target.objects.annotate(
        newest_backup=Subquery(good.values("started")[:1]),
        newest_drill_status=Subquery(finished_drills.order_by("-started").values("status")[:1]),
    )


def _samples(target, now) -> list[MetricSample]:
    since = target.newest_backup or target.created
    age = max(0.0, (now - since).total_seconds())
    rpo_seconds = target.rpo_minutes * 60
    drill_failed = 1.0 if target.newest_drill_status == RunStatus.FAILED else 0.0
    return [
        MetricSample("backup.age_seconds", age, now, target=target.name, unit="s"),
        MetricSample("backup.rpo_ratio", age / rpo_seconds, now, target=target.name),
        MetricSample("drill.failed", drill_failed, now, target=target.name),
    ]
