"""The contract of a backup destination. Implementations: local.py (a directory), s3.py.

Paths are relative, ``/``-separated, e.g. ``demo-tryton/20261124T020000Z-17/erp-db.zst.enc``.
A writer's object becomes visible (listed, readable) only after ``commit()``: a crash before
that leaves at most a partial object that ``list()`` never returns, so nothing can mistake it for
a backup. ``commit()`` returns only when the object is durable (fsync, or the upload completed).
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass
from typing import BinaryIO, ClassVar


class StorageError(Exception):
    """A destination problem, with a one-line reason for the user (never a secret in it)."""


class StorageFull(StorageError):
    """The destination has no space left (ENOSPC, quota exceeded)."""


class ObjectMissing(StorageError):
    """The object does not exist at the destination."""


@dataclass(frozen=True)
class ObjectInfo:
    path: str
    size: int
    modified: dt.datetime | None = None


class StorageWriter(abc.ABC):
    """A new object being written; ``write`` then exactly one of ``commit`` or ``abort``."""

    bytes_written: int = 0

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the object durable and visible; raise StorageError (and clean up) on failure."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Remove whatever was written; never raises."""


class Storage(abc.ABC):
    kind: ClassVar[str]

    @abc.abstractmethod
    def describe(self) -> str:
        """Where this is, for people: ``/srv/backups`` or ``s3://bucket/prefix @ endpoint``."""

    @abc.abstractmethod
    def check(self) -> None:
        """Raise StorageError when the destination cannot be written now (missing, read-only,
        unreachable, wrong credentials). Leaves nothing behind."""

    @abc.abstractmethod
    def open_write(self, path: str) -> StorageWriter: ...

    @abc.abstractmethod
    def open_read(self, path: str) -> BinaryIO:
        """A streaming reader (``read(n)``, ``close()``); ObjectMissing if absent."""

    @abc.abstractmethod
    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Committed objects whose path starts with ``prefix``, sorted by path."""

    @abc.abstractmethod
    def delete_prefix(self, prefix: str) -> int:
        """Delete every committed or partial object under ``prefix`` (a directory-like prefix
        ending in ``/``); return how many objects were removed."""

    def usage(self, prefix: str = "") -> int:
        return sum(info.size for info in self.list(prefix))

    def free_bytes(self) -> int | None:
        """Space left, when the destination can tell; None otherwise (object storage)."""
        return None


def require_directory_prefix(prefix: str) -> None:
    """``delete_prefix`` takes only ``dir/`` prefixes: ``demo`` would also match ``demo-old/``,
    and an empty prefix would wipe the whole destination."""
    if not prefix.endswith("/") or prefix.strip("/") == "":
        raise StorageError(f"refusing to delete {prefix!r}: give a directory prefix ending in '/'")
