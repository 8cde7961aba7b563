"""Between engines and destinations: each artifact an engine writes goes through the pipeline
(zstd, AES-256-GCM, SHA-256) into the destination, is committed there, and its checksum is read
back before it counts. Reading goes the other way.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import asdict, dataclass

from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import Storage
from erpkeeper.backups.pipeline import ArtifactWriter, IntegrityError, open_reader

READ_BLOCK = 1 << 20


@dataclass
class ArtifactRecord:
    component: str  # database | files | platform
    name: str  # the engine's name for it, e.g. pg-data-1.sql
    path: str  # relative to the backup's location
    raw_bytes: int
    stored_bytes: int
    sha256: str

    def as_dict(self) -> dict:
        return asdict(self)


def artifact_path(component: str, name: str, encrypted: bool) -> str:
    return f"{component}/{name}.zst" + (".enc" if encrypted else "")


class ArtifactSink:
    """What engines write into: ``open(name)`` gives a writer that lands in the destination."""

    def __init__(
        self, storage: Storage, location: str, component: str, key, level: int, threads: int = 2
    ):
        self.storage = storage
        self.threads = threads
        self.location = location
        self.component = component
        self.key = key
        self.level = level
        self.records: list[ArtifactRecord] = []
        self._lock = threading.Lock()

    def open(self, name: str) -> ArtifactHandle:
        path = artifact_path(self.component, name, self.key is not None)
        target = self.storage.open_write(f"{self.location}/{path}")
        return ArtifactHandle(self, name, path, target)

    def add(self, record: ArtifactRecord) -> None:
        with self._lock:
            self.records.append(record)


class ArtifactHandle:
    def __init__(self, sink: ArtifactSink, name: str, path: str, target):
        self.sink = sink
        self.name = name
        self.path = path
        self.target = target
        self.writer = ArtifactWriter(target, key=sink.key, level=sink.level, threads=sink.threads)
        self.closed = False

    def write(self, data: bytes) -> int:
        self.writer.write(data)
        return len(data)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            stats = self.writer.close()
            if stats is None:
                # Engines close their writers in a finally: the failed write's own error, not
                # a new one that would hide it (a full destination, not "an earlier write").
                raise self.writer.failure
            self.target.commit()
        except BaseException:
            self.target.abort()
            raise
        full_path = f"{self.sink.location}/{self.path}"
        reread = stored_sha256(self.sink.storage, full_path)
        if reread != stats.sha256:
            raise IntegrityError(
                _("artifact %(name)s reads back differently from what was written")
                % {"name": self.path}
            )
        self.sink.add(
            ArtifactRecord(
                component=self.sink.component,
                name=self.name,
                path=self.path,
                raw_bytes=stats.raw_bytes,
                stored_bytes=stats.stored_bytes,
                sha256=stats.sha256,
            )
        )


def stored_sha256(storage: Storage, path: str) -> str:
    digest = hashlib.sha256()
    handle = storage.open_read(path)
    try:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
    finally:
        handle.close()
    return digest.hexdigest()


class ArtifactSource:
    """What engines read from when restoring: plaintext streams of a backup's artifacts."""

    def __init__(self, storage: Storage, location: str, records: list[dict], key):
        self.storage = storage
        self.location = location
        self.key = key
        self.by_name = {record["name"]: record for record in records}

    def open(self, name: str):
        record = self.by_name[name]
        raw = self.storage.open_read(f"{self.location}/{record['path']}")
        try:
            return ClosingReader(open_reader(raw, key=self.key, name=record["path"]), raw)
        except BaseException:
            raw.close()
            raise


class ClosingReader:
    """A plaintext reader that also closes the stored object it reads from."""

    def __init__(self, reader, raw):
        self.reader = reader
        self.raw = raw

    def read(self, size: int = -1) -> bytes:
        return self.reader.read(size)

    def close(self) -> None:
        try:
            self.reader.close()
        finally:
            self.raw.close()
