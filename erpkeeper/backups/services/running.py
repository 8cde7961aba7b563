"""Taking a backup: every component of the policy's scope through its engine into the primary
destination, the manifest last, then the off-site copy and retention.

A backup row says ``succeeded`` only after every artifact is committed at the destination and
its checksum read back. Until then it says ``running``; a crash leaves it so, and the reaper
(``backups.reaping``) later marks it failed and removes what it had written.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper import __version__
from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines import get_engine
from erpkeeper.backups.engines.base import EngineError
from erpkeeper.backups.engines.restic import ResticError
from erpkeeper.backups.models import (
    Backup,
    BackupPolicy,
    BackupStatus,
    BackupTrigger,
    CopyStatus,
    RepositoryKind,
)
from erpkeeper.backups.pipeline import PipelineError
from erpkeeper.backups.services.artifacts import ArtifactSink
from erpkeeper.backups.services.copies import copy_backup, raise_copy_alert
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.keys import repository_key
from erpkeeper.backups.services.platform import platform_database, platform_settings
from erpkeeper.backups.services.policies import policy_for
from erpkeeper.backups.services.restic import (
    ResticSink,
    clear_stale_locks,
    forget_backup,
    open_repository,
)
from erpkeeper.core import outbox
from erpkeeper.core.models import Job

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
ERPKEEPER_VERSION = __version__
# Failures a user can act on: shown as one line, no traceback.
BACKUP_ERRORS = (EngineError, PipelineError, StorageError, OSError, ResticError)


class BackupFailed(Exception):
    """The backup did not complete; the message says why in one line."""


def run_backup(
    target,
    *,
    trigger: str = BackupTrigger.MANUAL,
    job: Job | None = None,
    progress: Progress | None = None,
) -> Backup:
    """Take a backup of ``target`` now and return the succeeded row; BackupFailed otherwise."""
    progress = progress or _no_progress
    policy = policy_for(target)
    backup = _start_row(target, policy, trigger, job)
    try:
        if backup.repository_kind == RepositoryKind.RESTIC:
            _take_restic(backup, policy, progress)
        else:
            _take(backup, policy, progress)
    except BaseException as exc:
        _discard(backup, exc)
        if isinstance(exc, BACKUP_ERRORS):
            raise BackupFailed(_one_line(exc)) from exc
        raise
    outbox.resolve_alerts(source="backups", event="backup_failed", target=target)
    _copy_offsite(backup, policy, progress)
    return backup


def _start_row(target, policy: BackupPolicy, trigger: str, job) -> Backup:
    started = timezone.now()
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger=trigger,
        destination=policy.destination,
        location="",
        job=job,
        started=started,
        encrypted=policy.encrypt,
        repository_kind=policy.repository_kind,
    )
    if backup.repository_kind == RepositoryKind.RESTIC:
        return backup  # no location of its own: snapshots in the destination's repository
    # The id makes the location unique even for two backups in the same second.
    location = f"{_slug(target.name)}/{started:%Y%m%dT%H%M%SZ}-{backup.pk}"
    Backup.objects.filter(pk=backup.pk).update(location=location)
    backup.location = location
    return backup


def _take(backup: Backup, policy: BackupPolicy, progress: Progress) -> None:
    storage = open_destination(policy.destination)
    storage.check()
    key = repository_key() if policy.encrypt else None
    components = plan_components(backup.target, policy)
    if not components:
        raise BackupFailed(_("the policy's scope is empty: nothing to back up"))
    manifest = _new_manifest(backup, policy, key)
    weights = _weights(components)
    done_share = 0.0
    for (component, engine_name, url), weight in zip(components, weights, strict=True):
        sink = ArtifactSink(
            storage,
            backup.location,
            component,
            key,
            policy.compression_level,
            threads=compression_threads(engine_name),
        )
        span = (done_share, weight)
        result = _dump_component(component, engine_name, url, sink, policy, progress, span)
        manifest["components"].append(_component_entry(component, engine_name, result, sink))
        done_share += weight
    if policy.include_platform:
        _write_settings(storage, backup, key, policy, manifest)
    progress(92, _("writing the manifest"))
    _finish_manifest(manifest)
    _write_manifest(storage, backup, manifest)
    _mark_succeeded(backup, manifest)
    progress(95, _("backup complete"))


def _take_restic(backup: Backup, policy: BackupPolicy, progress: Progress) -> None:
    """The same engines' streams, each into a snapshot of the destination's restic repository
    (always encrypted by restic, with its own compression: the policy's pipeline settings do
    not apply)."""
    repo = open_repository(policy.destination, create=True)
    clear_stale_locks(repo)  # a killed prune's exclusive lock would refuse this backup
    components = plan_components(backup.target, policy)
    if not components:
        raise BackupFailed(_("the policy's scope is empty: nothing to back up"))
    manifest = _new_manifest(backup, policy, None)
    manifest.update(encrypted=True, repository="restic", compression={"algorithm": "restic"})
    done_share = 0.0
    for (component, engine_name, url), weight in zip(components, _weights(components), strict=True):
        sink = ResticSink(repo, backup, component, _restic_note(progress, done_share, weight))
        span = (done_share, weight)
        result = _dump_component(component, engine_name, url, sink, policy, progress, span)
        manifest["components"].append(_component_entry(component, engine_name, result, sink))
        done_share += weight
    # The manifest stays in the platform database only: one more restic run would cost a key
    # derivation (about half a second, a third of a small daily backup). The snapshots' tags
    # name the target, the backup and the component for a recovery without the platform.
    _finish_manifest(manifest)
    _mark_succeeded(backup, manifest)
    progress(95, _("backup complete"))


def _restic_note(progress: Progress, start: float, weight: float):
    def note(message: str) -> None:
        progress(5 + 85 * start, message)

    return note


def _dump_component(component, engine_name, url, sink, policy, progress, span):
    engine = get_engine(engine_name)(url)
    engine.check_tools()
    estimate = max(engine.estimate_bytes(), 1)
    start, weight = span

    def report(done_bytes, message):
        share = min(done_bytes / estimate, 1.0) * weight
        progress(5 + 85 * (start + share), f"{component}: {message}")

    return engine.dump(sink, report, jobs=policy.parallel_jobs)


def compression_threads(engine_name: str) -> int:
    """zstd worker threads per artifact. PostgreSQL dumps run several streams at once, each
    already a thread of its own: multi-threaded zstd there would only multiply the buffers
    (about 40 MB each) and break the 150 MB memory bound. Single-stream engines get 2."""
    return 0 if engine_name == "postgresql" else 2


def plan_components(target, policy: BackupPolicy) -> list[tuple[str, str, str]]:
    """(component, engine, url or path) for everything the policy's scope includes."""
    components = []
    if policy.include_database:
        components.append(("database", target.database_engine, target.database_url))
    if policy.include_file_store and target.file_store_path:
        components.append(("files", "filestore", target.file_store_path))
    if policy.include_platform:
        engine, url = platform_database()
        components.append(("platform", engine, url))
    return components


def _weights(components) -> list[float]:
    # The ERP database dominates; files and the platform database are usually small.
    raw = [0.8 if component == "database" else 0.2 for component, _, _ in components]
    total = sum(raw)
    return [value / total for value in raw]


def _new_manifest(backup: Backup, policy: BackupPolicy, key) -> dict:
    target = backup.target
    facts = target.facts or {}
    return {
        "format": MANIFEST_FORMAT,
        "ERPKEEPER_VERSION": ERPKEEPER_VERSION,
        "backup_id": backup.pk,
        "target": {
            "name": target.name,
            "kind": target.kind,
            "database_engine": target.database_engine,
            "database": target.database_url_masked,
            "file_store_path": target.file_store_path,
            "erp_version": facts.get("erp_version", ""),
            "modules": facts.get("modules", []),
        },
        "trigger": backup.trigger,
        "started": backup.started.isoformat(),
        "finished": None,
        "encrypted": key is not None,
        "key_fingerprint": key.fingerprint if key is not None else "",
        "compression": {"algorithm": "zstd", "level": policy.compression_level},
        "components": [],
    }


def _component_entry(component: str, engine_name: str, result, sink: ArtifactSink) -> dict:
    by_name = {record.name: record for record in sink.records}
    missing = [name for name in result.artifacts if name not in by_name]
    if missing:
        raise BackupFailed(
            _("the %(engine)s engine did not finish artifact %(name)s")
            % {"engine": engine_name, "name": missing[0]}
        )
    return {
        "component": component,
        "engine": engine_name,
        "engine_version": result.engine_version,
        "artifacts": [by_name[name].as_dict() for name in result.artifacts],
        "row_counts": result.row_counts,
        "raw_bytes": result.raw_bytes,
        "details": result.details,
    }


def _write_settings(storage, backup: Backup, key, policy: BackupPolicy, manifest: dict) -> None:
    sink = ArtifactSink(storage, backup.location, "platform", key, policy.compression_level)
    handle = sink.open("settings.json")
    handle.write(json.dumps(platform_settings(), indent=2, sort_keys=True).encode())
    handle.close()
    manifest["components"].append(
        {
            "component": "platform-settings",
            "engine": "settings",
            "engine_version": ERPKEEPER_VERSION,
            "artifacts": [record.as_dict() for record in sink.records],
            "row_counts": {},
            "raw_bytes": sink.records[0].raw_bytes,
            "details": {},
        }
    )


def _finish_manifest(manifest: dict) -> None:
    manifest["finished"] = timezone.now().isoformat()
    artifacts = [a for c in manifest["components"] for a in c["artifacts"]]
    manifest["raw_bytes"] = sum(a["raw_bytes"] for a in artifacts)
    manifest["stored_bytes"] = sum(a["stored_bytes"] for a in artifacts)


def _write_manifest(storage, backup: Backup, manifest: dict) -> None:
    # Plain JSON, so a restore is possible from the destination alone when the platform's
    # database is lost; it holds names, sizes and checksums, never data or keys.
    writer = storage.open_write(f"{backup.location}/{MANIFEST_NAME}")
    try:
        writer.write(json.dumps(manifest, indent=2, sort_keys=True).encode())
        writer.commit()
    except BaseException:
        writer.abort()
        raise


def _mark_succeeded(backup: Backup, manifest: dict) -> None:
    finished = dt.datetime.fromisoformat(manifest["finished"])
    snapshots = [
        artifact["snapshot"]
        for component in manifest["components"]
        for artifact in component["artifacts"]
        if artifact.get("snapshot")
    ]
    Backup.objects.filter(pk=backup.pk, status=BackupStatus.RUNNING).update(
        status=BackupStatus.SUCCEEDED,
        finished=finished,
        manifest=manifest,
        key_fingerprint=manifest["key_fingerprint"],
        raw_bytes=manifest["raw_bytes"],
        stored_bytes=manifest["stored_bytes"],
        snapshot_id=snapshots[0] if snapshots else "",
        added_bytes=manifest["stored_bytes"] if snapshots else 0,
    )
    backup.refresh_from_db()
    if backup.status != BackupStatus.SUCCEEDED:
        raise BackupFailed(_("the backup was marked failed while it ran"))


def _discard(backup: Backup, exc: BaseException) -> None:
    """Fail the row and remove what was written, so no partial backup is ever counted."""
    reason = _one_line(exc) or type(exc).__name__
    Backup.objects.filter(pk=backup.pk).update(
        status=BackupStatus.FAILED, finished=timezone.now(), error=reason[:2000]
    )
    backup.refresh_from_db()
    _remove_objects(backup)
    if isinstance(exc, BACKUP_ERRORS + (BackupFailed,)):
        raise_backup_alert(backup, reason)


def raise_backup_alert(backup: Backup, reason: str) -> None:
    outbox.raise_alert(
        source="backups",
        event="backup_failed",
        target=backup.target,
        subject=_("Backup of %(target)s failed") % {"target": backup.target_name},
        body=reason,
        link=f"/backups/backup/{backup.pk}/change/",
    )


def _remove_objects(backup: Backup) -> None:
    if backup.repository_kind == RepositoryKind.RESTIC:
        forget_backup(backup)
        return
    if not backup.location:
        return
    try:
        open_destination(backup.destination).delete_prefix(backup.location + "/")
    except StorageError:
        logger.warning("could not remove the objects of failed backup %s", backup.pk)


def _copy_offsite(backup: Backup, policy: BackupPolicy, progress: Progress) -> None:
    if policy.offsite_destination is None or backup.repository_kind == RepositoryKind.RESTIC:
        return  # off-site copies of restic repositories: not yet (docs/backups.md)
    progress(96, _("copying to %(name)s") % {"name": policy.offsite_destination.name})
    try:
        copy = copy_backup(backup, policy.offsite_destination)
    except BACKUP_ERRORS as exc:
        raise_copy_alert(backup, _one_line(exc))
        return
    if copy.status != CopyStatus.SUCCEEDED:
        return  # the reaper failed it meanwhile, removed its objects and raised the notice
    outbox.resolve_alerts(source="backups", event="offsite_copy_failed", target=backup.target)
    logger.info("backup %s copied to %s (%s bytes)", backup.pk, copy.destination, copy.stored_bytes)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "target"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:1000]


def _no_progress(percent: float, message: str) -> None:
    return None
