"""Backups into a deduplicated restic repository (a policy's ``repository_kind`` "restic").

One repository per destination, in its ``restic`` folder (``s3:<endpoint>/<bucket>/<prefix>/
restic`` on S3), shared by every target that backs up there: identical chunks are stored once
across backups and targets. Each artifact an engine streams becomes one snapshot of one file
(``restic backup --stdin``), tagged with the target and backup ids and the component.
The Backup row keeps the database snapshot's id, each artifact's in the manifest.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.backups.engines.restic import Restic, ResticError
from erpkeeper.backups.models import Backup, Destination, StorageKind
from erpkeeper.lib import crypto

logger = logging.getLogger(__name__)

HOST = "erpkeeper"
FOLDER = "restic"
# Progress from restic's own status lines at most this often (a database write each time).
PROGRESS_EVERY_SECONDS = 1.0


def repository_url(destination: Destination) -> tuple[str, dict[str, str]]:
    """restic's URL for the destination's repository, and the credentials for the child."""
    if destination.kind == StorageKind.LOCAL:
        return str(PurePosixPath(destination.path) / FOLDER), {}
    options = destination.storage_options()
    endpoint = (options.get("endpoint_url") or "s3.amazonaws.com").rstrip("/")
    path = "/".join(part for part in (options["bucket"], options.get("prefix", ""), FOLDER) if part)
    env = {
        "AWS_ACCESS_KEY_ID": options.get("access_key_id", ""),
        "AWS_SECRET_ACCESS_KEY": options.get("secret_access_key", ""),
    }
    if options.get("region"):
        env["AWS_DEFAULT_REGION"] = options["region"]
    return f"s3:{endpoint}/{path}", env


def repository_password(destination: Destination) -> str:
    """The destination's repository password; made (random, 256 bits) on first use. Read
    again under a row lock first: a stale instance must never replace the password of a
    repository that already exists (its data could no longer be read)."""
    if not destination.restic_password_encrypted:
        with transaction.atomic():
            fresh = Destination.objects.select_for_update().get(pk=destination.pk)
            if not fresh.restic_password_encrypted:
                fresh.restic_password_encrypted = crypto.encrypt(secrets.token_urlsafe(32))
                fresh.save(update_fields=["restic_password_encrypted"])
        destination.restic_password_encrypted = fresh.restic_password_encrypted
    return crypto.decrypt(destination.restic_password_encrypted)


def open_repository(destination: Destination, *, create: bool = False) -> Restic:
    """The destination's repository; ``create`` makes it when there is none yet."""
    Restic.check_tools()
    url, env = repository_url(destination)
    env["TZ"] = settings.TIME_ZONE  # keep-daily/weekly count days where the users live
    repo = Restic(url, repository_password(destination), env)
    if create and repo.ensure():
        logger.info("restic repository created at %s", url)
    return repo


def clear_stale_locks(repo: Restic) -> None:
    """Remove the locks a killed restic left (a live process's lock stays), only when there are
    any: each restic command derives the key (scrypt, about half a second) and a daily backup
    must stay fast. An S3 repository cannot be looked at without restic: always asked."""
    if repo.url.startswith("/"):
        locks = Path(repo.url) / "locks"
        if not locks.is_dir() or not any(locks.iterdir()):
            return
    repo.unlock()


def target_tag(target_id) -> str:
    return f"target={target_id}"


def backup_tag(backup_id) -> str:
    return f"backup={backup_id}"


class ResticSink:
    """What engines write into for a restic backup: ``open(name)`` streams into a snapshot of
    ``/<component>/<name>``; the records look like the artifact format's, plus ``snapshot``."""

    def __init__(self, repo: Restic, backup: Backup, component: str, progress=None):
        self.repo = repo
        self.backup = backup
        self.component = component
        self.progress = progress
        self.thread = threading.get_ident()
        self.records: list = []
        self._lock = threading.Lock()

    def open(self, name: str) -> ResticHandle:
        filename = f"/{self.component}/{name}"
        tags = [
            target_tag(self.backup.target_id),
            backup_tag(self.backup.pk),
            f"component={self.component}",
        ]
        return ResticHandle(self, name, self.repo.backup_stdin(filename, tags, HOST))

    def add(self, record) -> None:
        with self._lock:
            self.records.append(record)


class ResticRecord:
    def __init__(self, component, name, path, result):
        self.component = component
        self.name = name
        self.path = path
        self.raw_bytes = result.processed_bytes
        self.stored_bytes = result.added_bytes
        self.sha256 = result.sha256
        self.snapshot = result.snapshot_id

    def as_dict(self) -> dict:
        return {
            "component": self.component,
            "name": self.name,
            "path": self.path,
            "raw_bytes": self.raw_bytes,
            "stored_bytes": self.stored_bytes,
            "sha256": self.sha256,
            "snapshot": self.snapshot,
        }


class ResticHandle:
    def __init__(self, sink: ResticSink, name: str, stream):
        self.sink = sink
        self.name = name
        self.stream = stream
        self._reported = 0.0

    def write(self, data: bytes) -> int:
        self.stream.write(data)
        self._report()
        return len(data)

    def _report(self) -> None:
        """restic's own count of what it read, in the job's message (not its percentage,
        which the engine's byte count drives: restic cannot know a stream's length)."""
        now = time.monotonic()
        if self.sink.progress is None or now - self._reported < PROGRESS_EVERY_SECONDS:
            return
        if threading.get_ident() != self.sink.thread:
            return  # parallel dump streams: the job's row is written from the job's thread only
        self._reported = now
        done = int(self.stream.status.get("bytes_done") or 0)
        self.sink.progress(
            _("restic has read %(mb)s MB of %(name)s")
            % {"mb": done // 1_000_000, "name": self.stream.filename}
        )

    def close(self) -> None:
        result = self.stream.close()
        if result is not None:
            record = ResticRecord(self.sink.component, self.name, self.stream.filename, result)
            self.sink.add(record)


def forget_backup(backup: Backup) -> None:
    """Forget every snapshot of a failed or interrupted backup (its data goes at the next
    prune) and remove the locks a killed restic left; quietly, as the other clear-ups."""
    if backup.destination is None:
        return
    try:
        repo = open_repository(backup.destination)
        repo.unlock()
        ids = [snap["id"] for snap in repo.snapshots(backup_tag(backup.pk))]
        repo.forget(ids)
    except (ResticError, OSError) as exc:
        logger.warning("could not forget the snapshots of backup %s: %s", backup.pk, exc)


class RestoreSource:
    """What engines read from when restoring a restic backup: ``restic dump`` of each file."""

    def __init__(self, repo: Restic, records: list[dict]):
        self.repo = repo
        self.by_name = {record["name"]: record for record in records}

    def open(self, name: str):
        record = self.by_name[name]
        return self.repo.dump(record["snapshot"], record["path"])
