"""Backup destinations: where artifacts are stored. One module per kind behind ``Storage``.

Pure Python, no Django imports. See base.py for the contract.

    storage = open_storage("s3", {"bucket": "erp-backups", "access_key_id": ..., ...})
    storage.check()                                  # StorageError with a one-line reason
    writer = storage.open_write("demo/20261124T020000Z-17/erp-db.zst.enc")
    writer.write(chunk); writer.commit()             # or writer.abort()
"""

from __future__ import annotations

from erpkeeper.backups.destinations.base import (
    ObjectInfo,
    ObjectMissing,
    Storage,
    StorageError,
    StorageFull,
    StorageWriter,
)
from erpkeeper.lib.i18n import gettext as _

__all__ = [
    "ObjectInfo",
    "ObjectMissing",
    "Storage",
    "StorageError",
    "StorageFull",
    "StorageWriter",
    "open_storage",
    "storage_kinds",
]

_KINDS = ("local", "s3")


def storage_kinds() -> list[str]:
    return list(_KINDS)


def open_storage(kind: str, options: dict) -> Storage:
    """The destination of ``kind`` configured by ``options``; StorageError if they are wrong."""
    return _storage_class(kind).from_options(options)


def _storage_class(kind: str) -> type:
    # Imported on use so that boto3 is loaded only by processes with an S3 destination.
    if kind == "local":
        from erpkeeper.backups.destinations.local import LocalStorage  # noqa: PLC0415

        return LocalStorage
    if kind == "s3":
        from erpkeeper.backups.destinations.s3 import S3Storage  # noqa: PLC0415

        return S3Storage
    raise StorageError(
        _("unknown destination kind %(kind)r (known: %(known)s)")
        % {"kind": kind, "known": ", ".join(_KINDS)}
    )
