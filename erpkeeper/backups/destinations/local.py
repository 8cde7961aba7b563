"""A directory as a backup destination: a local disk, a NAS mount, a USB disk.

An object is written to ``<name>.partial`` and renamed to ``<name>`` on commit, after fsyncing
the file and the directories above it: after a crash the final name is absent or complete, and
``list()`` never shows ``.partial`` files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import secrets
import shutil
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from erpkeeper.backups.destinations.base import (
    ObjectInfo,
    ObjectMissing,
    Storage,
    StorageError,
    StorageFull,
    StorageWriter,
    require_directory_prefix,
)
from erpkeeper.backups.destinations.options import read_options
from erpkeeper.lib.i18n import gettext as _

PARTIAL_SUFFIX = ".partial"
# Backups hold the whole ERP's data (encrypted, but still): not readable by other users.
DIR_MODE = 0o750
FILE_MODE = 0o640
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_NOT_WRITABLE_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


class LocalStorage(Storage):
    kind = "local"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if not os.path.isabs(path):
            raise StorageError(
                _("a local destination needs an absolute path, not %(path)s") % {"path": path}
            )
        self.root = Path(os.path.normpath(path))

    @classmethod
    def from_options(cls, options: dict) -> LocalStorage:
        return cls(read_options("local", options, required=("path",))["path"])

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def describe(self) -> str:
        return str(self.root)

    def check(self) -> None:
        self._ensure_root()
        # Named like a partial object so that a probe left by a crash is never listed.
        probe = self.root / f".erpkeeper-probe-{secrets.token_hex(4)}{PARTIAL_SUFFIX}"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            try:
                os.write(fd, b"probe")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise self._write_error(exc) from None
        finally:
            _remove_quietly(probe)

    def open_write(self, path: str) -> StorageWriter:
        final = self._resolve(path)
        partial = final.with_name(final.name + PARTIAL_SUFFIX)
        try:
            self._make_dirs(final.parent)
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        except OSError as exc:
            raise self._write_error(exc) from None
        return _LocalWriter(self, os.fdopen(fd, "wb"), partial, final)

    def open_read(self, path: str) -> BinaryIO:
        full = self._resolve(path)
        try:
            return open(full, "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectMissing(
                _("backup object %(path)s is missing from %(where)s")
                % {"path": path, "where": self.root}
            ) from None
        except OSError as exc:
            message = _("reading %(path)s from destination %(where)s failed: %(reason)s")
            raise self._error(message, path, exc) from None

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        _check_relative(prefix)
        if not self.root.is_dir():
            raise self._missing_root()
        # Walk only the directory that the prefix names, not the whole destination.
        top = self.root / prefix.rpartition("/")[0]
        if not top.is_dir():
            return []
        infos = []
        try:
            for dirpath, _dirs, filenames in os.walk(top, onerror=_raise):
                infos.extend(self._infos(dirpath, filenames, prefix))
        except OSError as exc:
            message = _("listing %(path)s in destination %(where)s failed: %(reason)s")
            raise self._error(message, prefix, exc) from None
        return sorted(infos, key=lambda info: info.path)

    def delete_prefix(self, prefix: str) -> int:
        require_directory_prefix(prefix)
        top = self._resolve(prefix.rstrip("/"))
        if not top.is_dir():
            return 0
        removed = 0
        try:
            for dirpath, dirnames, filenames in os.walk(top, topdown=False, onerror=_raise):
                for name in filenames:
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
                for name in dirnames:
                    _remove_directory_entry(os.path.join(dirpath, name))
            _remove_directory_entry(top)
        except OSError as exc:
            message = _("deleting %(path)s from destination %(where)s failed: %(reason)s")
            raise self._error(message, prefix, exc) from None
        return removed

    def free_bytes(self) -> int | None:
        # Before the first backup creates the root, the space is that of its filesystem-to-be.
        existing = next(path for path in (self.root, *self.root.parents) if path.exists())
        try:
            return shutil.disk_usage(existing).free
        except OSError:
            return None

    def _write_error(self, exc: OSError) -> StorageError:
        values = {"where": self.root, "reason": _reason(exc)}
        if exc.errno in _FULL_ERRNOS:
            return StorageFull(_("destination %(where)s is full: %(reason)s") % values)
        if exc.errno in _NOT_WRITABLE_ERRNOS:
            return StorageError(_("destination %(where)s is not writable: %(reason)s") % values)
        return StorageError(_("writing to destination %(where)s failed: %(reason)s") % values)

    def _sync_directories(self, directory: Path) -> None:
        """fsync ``directory`` and each one above it up to the root, so that a renamed file and
        any directory created for it survive a power loss."""
        for current in (directory, *directory.parents):
            fd = os.open(current, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            if current == self.root:
                return

    def _infos(self, dirpath: str, filenames: list[str], prefix: str) -> list[ObjectInfo]:
        infos = []
        for name in filenames:
            if name.endswith(PARTIAL_SUFFIX):
                continue
            full = os.path.join(dirpath, name)
            path = os.path.relpath(full, self.root).replace(os.sep, "/")
            if not path.startswith(prefix):
                continue
            try:
                stat = os.stat(full)
            except FileNotFoundError:  # deleted while listing
                continue
            modified = dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.UTC)
            infos.append(ObjectInfo(path, stat.st_size, modified))
        return infos

    def _ensure_root(self) -> None:
        if self.root.is_dir():
            return
        if self.root.exists():
            raise StorageError(_("destination %(where)s is not a directory") % {"where": self.root})
        try:
            self._make_dirs(self.root)
        except OSError as exc:
            raise self._missing_root(exc) from None

    def _make_dirs(self, directory: Path) -> None:
        # Not os.makedirs: it applies the mode only to the last directory it creates.
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for path in reversed(missing):
            try:
                os.mkdir(path, DIR_MODE)
            except FileExistsError:
                if not path.is_dir():
                    raise

    def _resolve(self, path: str) -> Path:
        _check_relative(path)
        if not path.strip("/") or path.endswith(PARTIAL_SUFFIX):
            raise StorageError(_("%(path)r is not a valid backup object path") % {"path": path})
        return self.root.joinpath(*PurePosixPath(path).parts)

    def _missing_root(self, exc: OSError | None = None) -> StorageError:
        if exc is None:
            return StorageError(_("destination %(where)s does not exist") % {"where": self.root})
        return StorageError(
            _("destination %(where)s does not exist and cannot be created: %(reason)s")
            % {"where": self.root, "reason": _reason(exc)}
        )

    def _error(self, message: str, path: str, exc: OSError) -> StorageError:
        return StorageError(message % {"path": path, "where": self.root, "reason": _reason(exc)})


class _LocalWriter(StorageWriter):
    def __init__(self, storage: LocalStorage, file: BinaryIO, partial: Path, final: Path) -> None:
        self._storage = storage
        self._file = file
        self._partial = partial
        self._final = final
        self._renamed = False
        self._finished = False
        self.bytes_written = 0

    def write(self, data: bytes) -> None:
        self._require_open()
        try:
            self._file.write(data)
        except OSError as exc:
            self.abort()
            raise self._storage._write_error(exc) from None
        self.bytes_written += len(data)

    def commit(self) -> None:
        self._require_open()
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._partial, self._final)
            self._renamed = True
            self._storage._sync_directories(self._final.parent)
        except OSError as exc:
            self.abort()
            raise self._storage._write_error(exc) from None
        self._finished = True

    def abort(self) -> None:
        if self._finished:
            return
        self._finished = True
        with contextlib.suppress(OSError):  # the data is thrown away: a failed flush is moot
            self._file.close()
        _remove_quietly(self._partial)
        if self._renamed:  # commit failed after the rename: not durable, so not a backup
            _remove_quietly(self._final)

    def _require_open(self) -> None:
        if self._finished:
            raise StorageError(
                _("%(path)s was already committed or aborted") % {"path": self._final}
            )


def _check_relative(path: str) -> None:
    if path.startswith("/") or ".." in PurePosixPath(path).parts:
        raise StorageError(_("%(path)r is outside the destination") % {"path": path})


def _remove_directory_entry(path: str | Path) -> None:
    """Remove a directory if it is empty (another writer may be adding to it) or a symlink,
    which is removed without following it."""
    if os.path.islink(path):
        os.unlink(path)
        return
    try:
        os.rmdir(path)
    except OSError as exc:
        if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise


def _remove_quietly(path: Path) -> None:
    # Already gone, or nothing better to do while another error is being handled.
    with contextlib.suppress(OSError):
        os.unlink(path)


def _raise(exc: OSError) -> None:
    raise exc


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
