"""What a backup, off-site copy, restore or drill whose worker died leaves behind, settled.

Core's reaper fails a job whose worker is gone (kill -9, out of memory) and calls
``settle_reaped_job`` for the backup kinds (registered in ``BackupsConfig.ready``). Without it
the job said "failed" while its Backup row stayed "running" until the next backup of the target
started, its partial objects stayed at the destination, and no "backup failed" notice was raised.

Every run of that job still running is failed (``RunRecord.fail_if_running``: a row its own
process settled meanwhile is left as it is), then what its kind left behind is dealt with:
- a backup (also a restore's safety backup): its objects are removed, ``backup_failed`` raised,
  as for a backup that failed by itself;
- an off-site copy: the copy's objects are removed, ``offsite_copy_failed`` raised;
- a restore: ``restore_failed`` is raised; the database it was writing may be incomplete and is
  never dropped (it may be the original);
- a drill: its scratch database and directory are dropped, ``drill_failed`` raised.

The scheduler also sweeps every few minutes for rows whose job ended without them (a hook that
failed, a row left by an older version) and for rows of no job (a service called directly, from
a shell) running for over a day, so nothing stays "running" for long.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.models import (
    Backup,
    BackupCopy,
    BackupPolicy,
    Drill,
    RepositoryKind,
    Restore,
)
from erpkeeper.backups.services.copies import raise_copy_alert
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.drills import render_report
from erpkeeper.backups.services.policies import drill_database_url
from erpkeeper.backups.services.requests import BACKUP_DRILL, BACKUP_RESTORE, BACKUP_RUN
from erpkeeper.backups.services.restic import forget_backup
from erpkeeper.backups.services.restore import RESTORE_ERRORS
from erpkeeper.backups.services.running import raise_backup_alert
from erpkeeper.core import outbox
from erpkeeper.core.jobs.reaper import on_job_reaped
from erpkeeper.core.models import Job
from erpkeeper.core.runs import RunRecord
from erpkeeper.lib import dburl

logger = logging.getLogger(__name__)

KINDS = (BACKUP_RUN, BACKUP_RESTORE, BACKUP_DRILL)
ENDED = (Job.Status.FAILED, Job.Status.CANCELLED, Job.Status.SUCCEEDED)
# A run of no job has no worker to watch: after this long it is taken for a dead process.
JOBLESS_RUN_GIVEN_UP_AFTER = dt.timedelta(days=1)
# Scratch databases are named ekdrill_<drill id>_<unix time when made>, a moment after the drill
# row: the names of this window after its start are tried.
SCRATCH_WINDOW_SECONDS = 120


def interrupted_reason() -> str:
    return _("interrupted: the worker running it stopped (killed or crashed)")


@on_job_reaped(*KINDS)
def settle_reaped_job(job: Job, reason: str = "") -> None:
    """Settle every row of ``job`` (its worker is gone) as a failure by itself would."""
    settle_rows(Job.objects.filter(pk=job.pk))


def sweep_orphans() -> None:
    """Rows still running whose job has ended, or of no job for too long: settle them (the
    scheduler calls this)."""
    ended = Job.objects.filter(status__in=ENDED)
    given_up = timezone.now() - JOBLESS_RUN_GIVEN_UP_AFTER
    orphaned = Q(job__in=ended) | Q(job__isnull=True, started__lt=given_up)
    settle_runs(lambda model: model.objects.running().filter(orphaned))


def settle_rows(jobs) -> None:
    """Settle the runs of ``jobs`` that are still running."""
    settle_runs(lambda model: model.objects.running_for(jobs))


def settle_runs(select: Callable[[type[RunRecord]], QuerySet]) -> None:
    """Fail the runs ``select(model)`` finds, then clear up after each as its kind needs."""
    reason = interrupted_reason()
    for model, clear_up in CLEAR_UPS:
        for run in select(model):
            if model.fail_if_running(run.pk, reason):
                run.refresh_from_db()
                clear_up(run, reason)


def clear_up_backup(backup: Backup, reason: str) -> None:
    remove_objects(backup, backup.destination)
    raise_backup_alert(backup, reason)
    logger.warning("backup %s failed: %s", backup.pk, reason)


def clear_up_copy(copy: BackupCopy, reason: str) -> None:
    """The backup itself is good; its second copy, cut short, must not count as one."""
    remove_objects(copy.backup, copy.destination)
    raise_copy_alert(copy.backup, reason)
    logger.warning("off-site copy %s failed: %s", copy.pk, reason)


def clear_up_restore(restore: Restore, reason: str) -> None:
    """Nothing is dropped: the database may be the original. Say it may be incomplete."""
    backup = restore.backup
    outbox.raise_alert(
        source="backups",
        event="restore_failed",
        target=backup.target,
        severity=outbox.OutboxMessage.Severity.WARNING,
        subject=_("Restore of %(target)s failed") % {"target": backup.target_name},
        body=_(
            "Restoring into %(destination)s stopped before the end (%(reason)s). That "
            "database may be incomplete; it was not dropped."
        )
        % {"destination": restore.destination_masked, "reason": reason},
        link=f"/backups/restore/{restore.pk}/change/",
    )
    logger.warning("restore %s failed: %s", restore.pk, reason)


def clear_up_drill(drill: Drill, reason: str) -> None:
    drop_scratch(drill)
    Drill.objects.filter(pk=drill.pk).update(report_html=render_report(drill))
    outbox.raise_alert(
        source="backups",
        event="drill_failed",
        target=drill.target,
        subject=_("Recovery drill of %(target)s failed") % {"target": drill.target_name},
        body=reason,
        link=f"/backups/drill/{drill.pk}/change/",
    )


# Every kind of run a backup kind's job leaves: a backup job its backup and off-site copy, a
# restore job its safety backup and restore, a drill job its drill.
CLEAR_UPS: tuple[tuple[type[RunRecord], Callable], ...] = (
    (Backup, clear_up_backup),
    (BackupCopy, clear_up_copy),
    (Restore, clear_up_restore),
    (Drill, clear_up_drill),
)


def remove_objects(backup: Backup, destination) -> None:
    if backup.repository_kind == RepositoryKind.RESTIC:
        # restic's stale lock removed, the snapshots it made forgotten (data: next prune).
        forget_backup(backup)
        return
    # The location is unique to this backup (its id is in it): nothing else lives under it.
    if not backup.location or destination is None:
        return
    try:
        open_destination(destination).delete_prefix(backup.location + "/")
    except StorageError:
        logger.warning("could not remove the objects of interrupted backup %s", backup.pk)


def drop_scratch(drill: Drill) -> None:
    """Drop the copy of the ERP's data the drill was restoring into: it must not linger."""
    workdir = Path(settings.HOME) / "drills" / f"drill-{drill.pk}"
    shutil.rmtree(workdir, ignore_errors=True)  # files, and the SQLite scratch database
    component = _database_component(drill)
    if component is None or component["engine"] == "sqlite" or drill.target is None:
        return
    for url in _scratch_candidates(drill):
        try:
            engine = get_engine(component["engine"])(url)
            if engine.exists(url):
                engine.drop(url)
                return
        except RESTORE_ERRORS:
            logger.warning("drill %s: could not drop its scratch database", drill.pk)
            return


def _database_component(drill: Drill) -> dict | None:
    if drill.backup is None:
        return None
    components = drill.backup.manifest.get("components", [])
    return next((c for c in components if c.get("component") == "database"), None)


def _scratch_candidates(drill: Drill):
    policy = BackupPolicy.objects.filter(target=drill.target).first()
    server_url = (drill_database_url(policy) if policy else "") or drill.target.database_url
    server = dburl.parse(server_url)
    first = int(drill.started.timestamp())
    for moment in range(first, first + SCRATCH_WINDOW_SECONDS):
        name = f"ekdrill_{drill.pk}_{moment}"
        yield dburl.DatabaseUrl(
            engine=server.engine,
            host=server.host,
            port=server.port,
            user=server.user,
            password=server.password,
            database=name,
            query=server.query,
        ).unparse()
