"""Hosts' push tokens: ``ekh_<prefix>_<secret>``, shown once and stored as a SHA-256.

The format and hashing follow the users' API tokens (erpkeeper.accounts.services): 256 random
bits, so a hash lookup needs no lockout. A host token only lets its host push samples; it is not
a user token and opens nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from erpkeeper.monitoring.models import Host

HOST_TOKEN_PREFIX = "ekh"  # noqa: S105 - the visible kind of token, not a secret
PREFIX_LENGTH = 8
SECRET_LENGTH = 43  # 43 characters from 62 carry 256 bits
ALPHANUMERIC = string.ascii_letters + string.digits


def host_for_token(token: str) -> Host | None:
    """The host a token belongs to, or None. Looked up by its prefix, then the hashes are
    compared in constant time."""
    parts = (token or "").split("_")
    if (
        len(parts) != 3
        or parts[0] != HOST_TOKEN_PREFIX
        or len(parts[1]) != PREFIX_LENGTH
        or len(parts[2]) != SECRET_LENGTH
    ):
        return None
    digest = hash_token(token)
    for host in Host.objects.filter(token_prefix=parts[1]):
        if host.token_hash and hmac.compare_digest(host.token_hash, digest):
            return host
    return None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    prefix = "".join(secrets.choice(ALPHANUMERIC) for _ in range(PREFIX_LENGTH))
    secret = "".join(secrets.choice(ALPHANUMERIC) for _ in range(SECRET_LENGTH))
    return f"{HOST_TOKEN_PREFIX}_{prefix}_{secret}"


def apply_token(host: Host, token: str) -> None:
    host.token_prefix = token.split("_")[1]
    host.token_hash = hash_token(token)
