"""The off-site copy: a backup's stored bytes streamed, unchanged, to a second destination.

The copy's row is created ``running`` before the first byte is written, so a worker that dies
mid-copy leaves a row the reaper settles (it removes the copy's objects and raises the notice).
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup, BackupCopy, CopyStatus, Destination
from erpkeeper.backups.pipeline import IntegrityError
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.core import outbox

BLOCK = 1 << 20


def copy_backup(backup: Backup, destination: Destination) -> BackupCopy:
    """Copy every artifact (checksums checked on the way) and the manifest, recorded as a run
    of the backup's job. On failure the row says why, what was written is removed, and the
    error goes on to the caller. The row returned is ``failed`` (not ``succeeded``) only when
    the reaper settled it meanwhile."""
    copy = BackupCopy.objects.create(backup=backup, destination=destination, job_id=backup.job_id)
    try:
        stored_bytes = _copy_objects(backup, destination)
    except BaseException as exc:
        reason = " ".join(str(exc).split())[:1000] or type(exc).__name__
        BackupCopy.fail_if_running(copy.pk, reason)
        raise
    BackupCopy.settle_if_running(copy.pk, CopyStatus.SUCCEEDED, stored_bytes=stored_bytes)
    copy.refresh_from_db()
    return copy


def _copy_objects(backup: Backup, destination: Destination) -> int:
    source = open_destination(backup.destination)
    target = open_destination(destination)
    target.check()
    total = 0
    try:
        for artifact in manifest_artifacts(backup.manifest):
            total += _copy_object(
                source, target, f"{backup.location}/{artifact['path']}", artifact["sha256"]
            )
        total += _copy_object(source, target, f"{backup.location}/manifest.json", None)
    except BaseException:
        target.delete_prefix(backup.location + "/")
        raise
    return total


def raise_copy_alert(backup: Backup, reason: str) -> None:
    outbox.raise_alert(
        source="backups",
        event="offsite_copy_failed",
        target=backup.target,
        severity=outbox.OutboxMessage.Severity.WARNING,
        subject=_("Off-site copy of %(target)s failed") % {"target": backup.target_name},
        body=reason,
    )


def manifest_artifacts(manifest: dict) -> list[dict]:
    return [artifact for c in manifest.get("components", []) for artifact in c["artifacts"]]


def _copy_object(source, target, path: str, expected_sha256: str | None) -> int:
    digest = hashlib.sha256()
    reader = source.open_read(path)
    writer = target.open_write(path)
    size = 0
    try:
        while block := reader.read(BLOCK):
            digest.update(block)
            writer.write(block)
            size += len(block)
        if expected_sha256 and digest.hexdigest() != expected_sha256:
            raise IntegrityError(
                _("artifact %(path)s changed at the source; not copied") % {"path": path}
            )
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    finally:
        reader.close()
    return size
