"""The off-site copy: a backup's stored bytes streamed, unchanged, to a second destination."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup, BackupCopy, CopyStatus, Destination
from erpkeeper.backups.pipeline import IntegrityError
from erpkeeper.backups.services.destinations import open_destination

BLOCK = 1 << 20


def copy_backup(backup: Backup, destination: Destination) -> BackupCopy:
    """Copy every artifact (checksums checked on the way) and the manifest; record the copy."""
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
    return BackupCopy.objects.create(
        backup=backup, destination=destination, status=CopyStatus.COPIED, stored_bytes=total
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
