"""What a backup, restore or drill whose worker died leaves behind, settled.

Core's reaper fails a job whose worker is gone (kill -9, out of memory) and calls
``settle_reaped_job`` for the backup kinds (registered in ``BackupsConfig.ready``). Without it
the job said "failed" while its Backup row stayed "running" until the next backup of the target
started, its partial objects stayed at the destination, and no "backup failed" notice was raised.

Here, for the rows of that job still running:
- a backup (also a restore's safety backup) is failed, its objects removed, ``backup_failed``
  raised, as for a backup that failed by itself;
- a succeeded backup that was being copied off-site gets a failed copy, the copy's objects are
  removed and ``offsite_copy_failed`` raised;
- a restore is failed (the database it was writing may be incomplete; it is never dropped: it
  may be the original);
- a drill is failed, its scratch database and directory dropped, ``drill_failed`` raised.

The scheduler also sweeps every few minutes for rows whose job ended without them (a hook that
failed, a row left by an older version), so nothing stays "running" for long.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.models import (
    Backup,
    BackupCopy,
    BackupPolicy,
    BackupStatus,
    CopyStatus,
    Drill,
    DrillStatus,
    Restore,
    RunStatus,
)
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.drills import render_report
from erpkeeper.backups.services.policies import drill_database_url
from erpkeeper.backups.services.requests import BACKUP_DRILL, BACKUP_RESTORE, BACKUP_RUN
from erpkeeper.backups.services.restore import RESTORE_ERRORS
from erpkeeper.backups.services.running import raise_backup_alert
from erpkeeper.core import outbox
from erpkeeper.core.jobs.reaper import on_job_reaped
from erpkeeper.core.models import Job
from erpkeeper.lib import dburl

logger = logging.getLogger(__name__)

KINDS = (BACKUP_RUN, BACKUP_RESTORE, BACKUP_DRILL)
ENDED = (Job.Status.FAILED, Job.Status.CANCELLED, Job.Status.SUCCEEDED)
# Scratch databases are named ekdrill_<drill id>_<unix time when made>, a moment after the drill
# row: the names of this window after its start are tried.
SCRATCH_WINDOW_SECONDS = 120


def interrupted_reason() -> str:
    return _("interrupted: the worker running it stopped (killed or crashed)")


@on_job_reaped(*KINDS)
def settle_reaped_job(job: Job, reason: str = "") -> None:
    """Settle every row of ``job`` (its worker is gone) as a failure by itself would."""
    jobs = Job.objects.filter(pk=job.pk)
    settle_rows(jobs)
    for backup in Backup.objects.filter(job__in=jobs, status=BackupStatus.SUCCEEDED):
        fail_unfinished_copy(backup, interrupted_reason())


def sweep_orphans() -> None:
    """Rows still running whose job has ended: settle them (the scheduler calls this)."""
    settle_rows(Job.objects.filter(status__in=ENDED))


def settle_rows(jobs) -> None:
    reason = interrupted_reason()
    for backup in Backup.objects.filter(job__in=jobs, status=BackupStatus.RUNNING):
        fail_backup(backup, reason)
    for restore in Restore.objects.filter(job__in=jobs, status=RunStatus.RUNNING):
        fail_restore(restore, reason)
    for drill in Drill.objects.filter(job__in=jobs, status=DrillStatus.RUNNING):
        fail_drill(drill, reason)


def fail_backup(backup: Backup, reason: str) -> None:
    updated = Backup.objects.filter(pk=backup.pk, status=BackupStatus.RUNNING).update(
        status=BackupStatus.FAILED, finished=timezone.now(), error=reason
    )
    if not updated:
        return  # settled meanwhile by another process
    backup.refresh_from_db()
    remove_objects(backup, backup.destination)
    raise_backup_alert(backup, reason)
    logger.warning("backup %s failed: %s", backup.pk, reason)


def fail_unfinished_copy(backup: Backup, reason: str) -> None:
    """A backup that succeeded and whose job then died: the off-site copy (the step after it)
    may have been cut short; without a copy row it was (a finished copy records one)."""
    policy = BackupPolicy.objects.filter(target_id=backup.target_id).first()
    offsite = policy.offsite_destination if policy else None
    if offsite is None or BackupCopy.objects.filter(backup=backup, destination=offsite).exists():
        return
    remove_objects(backup, offsite)
    BackupCopy.objects.create(
        backup=backup, destination=offsite, status=CopyStatus.FAILED, error=reason
    )
    outbox.raise_alert(
        source="backups",
        event="offsite_copy_failed",
        target=backup.target,
        severity=outbox.OutboxMessage.Severity.WARNING,
        subject=_("Off-site copy of %(target)s failed") % {"target": backup.target_name},
        body=reason,
    )


def remove_objects(backup: Backup, destination) -> None:
    # The location is unique to this backup (its id is in it): nothing else lives under it.
    if not backup.location or destination is None:
        return
    try:
        open_destination(destination).delete_prefix(backup.location + "/")
    except StorageError:
        logger.warning("could not remove the objects of interrupted backup %s", backup.pk)


def fail_restore(restore: Restore, reason: str) -> None:
    Restore.objects.filter(pk=restore.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, finished=timezone.now(), error=reason
    )


def fail_drill(drill: Drill, reason: str) -> None:
    if not Drill.objects.filter(pk=drill.pk, status=DrillStatus.RUNNING).update(
        status=DrillStatus.FAILED, finished=timezone.now(), error=reason
    ):
        return
    drill.refresh_from_db()
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
