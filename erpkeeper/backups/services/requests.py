"""Asking for backup work that runs as a job: one function per operation, called by the
console, the API and the CLI alike. Each validates the request, builds the job's parameters
(a restore's URL only ever encrypted) and applies the reuse policy; backups/jobs.py reads the
parameters back and calls run_backup, verify_backup, restore_backup or run_drill.

Before, each interface built the parameters itself, and they drifted apart: after a worker died
mid-backup the API and the CLI failed the dead job and started a new backup, while the console
answered "already queued or running" about the dead one.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup, BackupStatus
from erpkeeper.backups.services.restore import check_restore_request
from erpkeeper.core.jobs import enqueue
from erpkeeper.core.jobs.services import JobRequest, enqueue_once
from erpkeeper.lib import crypto

BACKUP_RUN = "backup.run"
BACKUP_VERIFY = "backup.verify"
BACKUP_RESTORE = "backup.restore"
BACKUP_DRILL = "backup.drill"
BACKUP_OFFPEAK = "backup.offpeak"


class NotVerifiable(ValueError):
    """Only a succeeded backup has something to verify."""


def request_backup(target, requested_by=None, *, then_drill=False, note="") -> JobRequest:
    """Back ``target`` up now; a backup of it already queued or running is reused (two at once
    only slow each other down), unless its process died. ``then_drill``: a recovery drill of
    this backup follows it (a new installation's first protection)."""
    params = {"then_drill": True} if then_drill else None
    job, reused = enqueue_once(
        BACKUP_RUN, target=target, params=params, requested_by=requested_by, note=note
    )
    return JobRequest(job, reused)


def request_drill(target, requested_by=None) -> JobRequest:
    """A recovery drill of ``target`` now, reusing one already queued or running."""
    job, reused = enqueue_once(BACKUP_DRILL, target=target, requested_by=requested_by)
    return JobRequest(job, reused)


def request_offpeak(target, requested_by=None, *, note="") -> JobRequest:
    """Find ``target``'s quietest hour again from its history, reusing a search under way."""
    job, reused = enqueue_once(BACKUP_OFFPEAK, target=target, requested_by=requested_by, note=note)
    return JobRequest(job, reused)


def request_verify(
    backup: Backup, requested_by=None, *, read_data_percent: int | None = None
) -> JobRequest:
    """Re-read, decrypt and check ``backup`` (also when its target was removed); a restic
    backup reads ``read_data_percent`` of its repository's data (all when not given)."""
    if read_data_percent is not None and not 1 <= read_data_percent <= 100:
        raise NotVerifiable(_("the share of data to read must be from 1 to 100 percent"))
    if backup.status != BackupStatus.SUCCEEDED:
        raise NotVerifiable(
            _("backup %(id)s is %(status)s; only succeeded backups can be verified")
            % {"id": backup.pk, "status": backup.get_status_display()}
        )
    job = enqueue(
        BACKUP_VERIFY,
        target=backup.target,
        params={"backup_id": backup.pk, "read_data_percent": read_data_percent},
        requested_by=requested_by,
    )
    return JobRequest(job)


def request_restore(
    backup: Backup,
    to_url: str,
    *,
    replace: bool = False,
    confirm: str = "",
    files_to: str = "",
    requested_by=None,
) -> JobRequest:
    """Restore ``backup`` into ``to_url``: a new database, or with ``replace`` and the target's
    name in ``confirm`` its live database (after a safety backup). Raises RestoreRefused or
    DatabaseUrlError with the reason when the destination is not allowed."""
    plan = check_restore_request(backup, to_url, replace, confirm, files_to)
    params = {
        "backup_id": backup.pk,
        "to_url_encrypted": crypto.encrypt(plan.url),
        "to_url_masked": plan.destination.masked(),
        "replace": replace,
        "confirm_name": confirm if replace else "",
        "files_to": (files_to or "").strip(),
    }
    job = enqueue(BACKUP_RESTORE, target=backup.target, params=params, requested_by=requested_by)
    return JobRequest(job)
