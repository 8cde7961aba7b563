"""The repository key: 32 random bytes in a file outside the database, named by its fingerprint."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from erpkeeper.lib.i18n import gettext as _

from .errors import KeyFileError

KEY_SIZE = 32


@dataclass(frozen=True)
class RepositoryKey:
    # repr=False: a key printed in a log or a traceback would be a leaked key.
    key: bytes = field(repr=False)
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        if len(self.key) != KEY_SIZE:
            raise ValueError(f"a repository key is exactly {KEY_SIZE} bytes, got {len(self.key)}")
        object.__setattr__(self, "key", bytes(self.key))
        object.__setattr__(self, "fingerprint", hashlib.sha256(self.key).hexdigest())

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:16]

    @classmethod
    def from_bytes(cls, key: bytes) -> RepositoryKey:
        return cls(key=key)

    @classmethod
    def create(cls, path: str | os.PathLike) -> RepositoryKey:
        """A new random key in a new 0600 file; never overwrites (that would orphan backups)."""
        path = Path(path)
        key = os.urandom(KEY_SIZE)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise KeyFileError(
                _("repository key file %(path)s already exists; refusing to overwrite it")
                % {"path": path}
            ) from None
        except OSError as error:
            raise _cannot(
                _("repository key file %(path)s cannot be created: %(reason)s"), path, error
            ) from None
        try:
            _write_key(fd, key)
        except OSError as error:
            os.unlink(path)
            raise _cannot(
                _("repository key file %(path)s cannot be written: %(reason)s"), path, error
            ) from None
        finally:
            os.close(fd)
        _sync_directory(path.parent)
        return cls(key=key)

    @classmethod
    def load(cls, path: str | os.PathLike) -> RepositoryKey:
        path = Path(path)
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                key = file.read(KEY_SIZE + 1)
        except FileNotFoundError:
            raise KeyFileError(
                _("repository key file %(path)s does not exist") % {"path": path}
            ) from None
        except OSError as error:
            raise _cannot(
                _("repository key file %(path)s cannot be read: %(reason)s"), path, error
            ) from None
        if len(key) != KEY_SIZE:
            raise KeyFileError(
                _("repository key file %(path)s holds %(size)d bytes, a key is exactly %(want)d")
                % {"path": path, "size": max(size, len(key)), "want": KEY_SIZE}
            )
        return cls(key=key)

    @classmethod
    def load_or_create(cls, path: str | os.PathLike) -> RepositoryKey:
        if os.path.lexists(path):
            return cls.load(path)
        try:
            return cls.create(path)
        except KeyFileError:
            # Another process created it between our check and our O_EXCL open: use theirs.
            if os.path.lexists(path):
                return cls.load(path)
            raise


def _write_key(fd: int, key: bytes) -> None:
    # The umask may have made the file stricter than asked; the documented mode is 0600.
    os.fchmod(fd, 0o600)
    written = os.write(fd, key)
    if written != len(key):
        raise OSError(0, _("short write"))
    os.fsync(fd)


def _sync_directory(directory: Path) -> None:
    """Make the new file's directory entry durable: losing the key loses every backup."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cannot(message: str, path: Path, error: OSError) -> KeyFileError:
    return KeyFileError(message % {"path": path, "reason": error.strerror or error})
