"""Encryption of secrets at rest (database passwords inside target URLs, channel tokens ...).

The key lives in a file outside the platform database (HOME/keys/secrets.key, mode 0600), so a
copy of the database alone does not reveal the secrets. Fernet gives authenticated encryption.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretDecryptionError(Exception):
    """The stored secret cannot be decrypted with this installation's key."""


def key_path() -> Path:
    return Path(settings.HOME) / "keys" / "secrets.key"


@lru_cache(maxsize=4)
def _fernet(path: str) -> Fernet:
    key_file = Path(path)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        except FileExistsError:
            pass  # another process created it first; use theirs
    return Fernet(key_file.read_bytes().strip())


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet(str(key_path())).encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(str(key_path())).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretDecryptionError(
            "a stored secret cannot be decrypted: the key file "
            f"{key_path()} is not the one it was encrypted with"
        ) from exc
