"""Verification: every artifact read back, its checksum compared, and decrypted to the end."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines.restic import ResticError
from erpkeeper.backups.models import Backup, BackupStatus, RepositoryKind
from erpkeeper.backups.pipeline import PipelineError, verify
from erpkeeper.backups.services.copies import manifest_artifacts
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.keys import repository_key
from erpkeeper.backups.services.restic import backup_tag, clear_stale_locks, open_repository
from erpkeeper.backups.services.running import MANIFEST_NAME
from erpkeeper.core import outbox


class VerificationFailed(Exception):
    """The backup cannot be trusted; the message names the artifact and what is wrong."""


class ManifestMismatch(Exception):
    """The manifest.json next to the artifacts is missing, unreadable or differs."""


def verify_backup(
    backup: Backup,
    progress: Callable[[float, str], None] | None = None,
    *,
    read_data_percent: int | None = None,
) -> Backup:
    """Check a succeeded backup end to end; record the outcome; raise VerificationFailed.

    A restic backup: ``restic check`` of its repository's structure, then ``read_data_percent``
    of its packs read and their hashes compared (all of them when not given)."""
    if backup.status != BackupStatus.SUCCEEDED:
        raise VerificationFailed(
            _("backup %(id)s is %(status)s; only succeeded backups can be verified")
            % {"id": backup.pk, "status": backup.get_status_display()}
        )
    progress = progress or (lambda percent, message: None)
    error = ""
    if read_data_percent is not None and not 1 <= read_data_percent <= 100:
        raise VerificationFailed(_("the share of data to read must be from 1 to 100 percent"))
    try:
        if backup.repository_kind == RepositoryKind.RESTIC:
            share = 100 if read_data_percent is None else read_data_percent
            _verify_restic(backup, progress, share)
        else:
            _verify_artifacts(backup, progress)
            _verify_stored_manifest(backup)
    except (PipelineError, StorageError, OSError, ManifestMismatch, ResticError) as exc:
        error = " ".join(str(exc).split())
    Backup.objects.filter(pk=backup.pk).update(
        verified_at=timezone.now(), verify_ok=not error, verify_error=error
    )
    backup.refresh_from_db()
    if error:
        outbox.raise_alert(
            source="backups",
            event="verification_failed",
            target=backup.target,
            subject=_("Verification of backup %(id)s of %(target)s failed")
            % {"id": backup.pk, "target": backup.target_name},
            body=error,
            link=f"/backups/backup/{backup.pk}/change/",
        )
        raise VerificationFailed(error)
    outbox.resolve_alerts(source="backups", event="verification_failed", target=backup.target)
    return backup


def _verify_artifacts(backup: Backup, progress) -> None:
    storage = open_destination(backup.destination)
    key = repository_key(create=False) if backup.encrypted else None
    artifacts = manifest_artifacts(backup.manifest)
    total = sum(artifact["stored_bytes"] for artifact in artifacts) or 1
    done = 0
    for artifact in artifacts:
        progress(100 * done / total, _("verifying %(path)s") % {"path": artifact["path"]})
        source = storage.open_read(f"{backup.location}/{artifact['path']}")
        try:
            verify(
                source,
                key=key,
                expected_sha256=artifact["sha256"],
                expected_raw_bytes=artifact["raw_bytes"],
                name=artifact["path"],
            )
        finally:
            source.close()
        done += artifact["stored_bytes"]
    progress(100, _("verified"))


def _verify_restic(backup: Backup, progress, percent: int) -> None:
    """The repository's structure and ``percent`` of its data (shared with other backups: a
    damaged pack fails every backup that verifies, as it may hold chunks of any of them), then
    this backup's own snapshots still there."""
    repo = open_repository(backup.destination)
    clear_stale_locks(repo)  # a killed prune's lock: check wants the repository to itself
    progress(5, _("restic check, reading %(percent)s %% of the data") % {"percent": percent})
    repo.check(percent)
    expected = {
        artifact["snapshot"]
        for artifact in manifest_artifacts(backup.manifest)
        if artifact.get("snapshot")
    }
    snapshots = repo.snapshots(backup_tag(backup.pk))
    present = {snap["short_id"] for snap in snapshots} | {snap["id"] for snap in snapshots}
    missing = sorted(expected - present)
    if missing:
        raise ManifestMismatch(
            _("the repository lacks snapshots %(ids)s of this backup") % {"ids": ", ".join(missing)}
        )
    progress(100, _("verified"))


def _verify_stored_manifest(backup: Backup) -> None:
    """The manifest.json next to the artifacts is what a recovery without the platform reads:
    it must say exactly what the platform database's copy says."""
    stored = _read_stored_manifest(backup)
    ours = backup.manifest or {}
    differing = sorted(
        key for key in stored.keys() | ours.keys() if stored.get(key) != ours.get(key)
    )
    if differing:
        raise ManifestMismatch(
            _("%(name)s next to the artifacts differs from the platform's copy in: %(keys)s")
            % {"name": MANIFEST_NAME, "keys": ", ".join(differing)}
        )


def _read_stored_manifest(backup: Backup) -> dict:
    storage = open_destination(backup.destination)
    try:
        handle = storage.open_read(f"{backup.location}/{MANIFEST_NAME}")
        try:
            data = handle.read()
        finally:
            handle.close()
    except (StorageError, OSError) as exc:
        raise ManifestMismatch(
            _("%(name)s next to the artifacts cannot be read: %(error)s")
            % {"name": MANIFEST_NAME, "error": " ".join(str(exc).split())}
        ) from None
    try:
        stored = json.loads(data)
    except ValueError:
        stored = None
    if not isinstance(stored, dict):
        raise ManifestMismatch(
            _("%(name)s next to the artifacts is not a JSON manifest") % {"name": MANIFEST_NAME}
        )
    return stored
