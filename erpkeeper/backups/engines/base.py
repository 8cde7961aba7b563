"""The contract of a backup engine. Implementations, one module each: sqlite.py, postgresql.py,
mysql.py (MariaDB/MySQL), filestore.py (a directory tree, e.g. Tryton's data path).

An engine never holds a whole dump in memory and never writes an unencrypted copy to disk: it
streams into writers that the caller gives it (the pipeline compresses, encrypts and checksums).

    engine = get_engine("postgresql")(url)         # url: a database URL, or a directory path
    engine.check_tools()                           # ToolMissing naming the package to install
    result = engine.dump(sink, progress, jobs=2)   # DumpResult
    engine.restore(source, result.artifacts, dest, progress, jobs=2)

``sink.open(name)`` returns a writer (``write(bytes)``, ``close()``); the engine must close every
writer it opened, also on error (the caller then discards the whole backup). ``sink.open`` may be
called from several threads. ``source.open(name)`` returns a reader (``read(n)``, ``close()``).
``progress(done_bytes, message)`` may be called often; it raises to cancel (let it propagate,
after stopping child processes).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Protocol


class EngineError(Exception):
    """A dump or restore failed; the message is one line for the user (never a password)."""


class ToolMissing(EngineError):
    """A client program is not installed; the message names the program and the package."""


class DestinationExists(EngineError):
    """The restore destination already exists and ``replace`` was not given."""


class Writer(Protocol):
    def write(self, data: bytes) -> object: ...
    def close(self) -> object: ...


class Reader(Protocol):
    def read(self, size: int = -1) -> bytes: ...
    def close(self) -> object: ...


class ArtifactSink(Protocol):
    def open(self, name: str) -> Writer: ...


class ArtifactSource(Protocol):
    def open(self, name: str) -> Reader: ...


Progress = Callable[[int, str], None]


@dataclass
class DumpResult:
    artifacts: list[str]  # names, in the order restore must read them
    engine_version: str  # server version, e.g. "PostgreSQL 15.19", "SQLite 3.40.1"
    row_counts: dict[str, int] = field(default_factory=dict)  # table -> rows at the snapshot
    raw_bytes: int = 0  # uncompressed bytes produced
    details: dict = field(default_factory=dict)  # engine-specific, JSON-safe (jobs used ...)


@dataclass
class RestoreResult:
    raw_bytes: int = 0
    details: dict = field(default_factory=dict)


class Engine(abc.ABC):
    name: ClassVar[str]  # "sqlite" | "postgresql" | "mysql" | "filestore"
    label: ClassVar[str]

    def __init__(self, url: str):
        self.url = url

    def check_tools(self) -> None:  # noqa: B027  (engines without client programs need nothing)
        """Raise ToolMissing when a needed client program is not installed."""

    @abc.abstractmethod
    def estimate_bytes(self) -> int:
        """About how many raw bytes a dump produces (for progress); 0 when unknown."""

    @abc.abstractmethod
    def dump(
        self, sink: ArtifactSink, progress: Progress, *, jobs: int | None = None
    ) -> DumpResult:
        """A consistent snapshot, also while the ERP writes."""

    @abc.abstractmethod
    def restore(
        self,
        source: ArtifactSource,
        artifacts: list[str],
        dest: str,
        progress: Progress,
        *,
        jobs: int | None = None,
        replace: bool = False,
    ) -> RestoreResult:
        """Restore into ``dest`` (URL or directory): created new; DestinationExists if it exists
        and ``replace`` is false; with ``replace`` the old one is dropped first."""

    @abc.abstractmethod
    def row_counts(self, url: str) -> dict[str, int]:
        """Exact rows per table in the database at ``url`` (drills compare with the manifest)."""

    @abc.abstractmethod
    def drop(self, dest: str) -> None:
        """Remove a database or directory made by ``restore`` (drills' scratch copies)."""

    @abc.abstractmethod
    def exists(self, dest: str) -> bool: ...
