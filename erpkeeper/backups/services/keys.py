"""The repository key that wraps every backup's data key: a file outside the database."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from erpkeeper.backups.pipeline import RepositoryKey


def key_path() -> Path:
    configured = settings.BACKUP_KEY_FILE
    if configured:
        return Path(configured).expanduser()
    return Path(settings.HOME) / "keys" / "backup.key"


def repository_key(create: bool = True) -> RepositoryKey:
    """This installation's key; created on first use (a KeyFileError explains a broken file)."""
    path = key_path()
    if create:
        return RepositoryKey.load_or_create(path)
    return RepositoryKey.load(path)
