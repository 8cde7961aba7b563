"""Hosts and their push tokens: ``ekh_<prefix>_<secret>``, shown once and stored as a SHA-256.

The format and hashing follow the users' API tokens (erpkeeper.accounts.services): 256 random
bits, so a hash lookup needs no lockout. A host token only lets its host push samples; it is not
a user token and opens nothing else.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.monitoring.storage.ingest import MAX_LABELS

HOST_TOKEN_PREFIX = "ekh"  # noqa: S105 - the visible kind of token, not a secret
PREFIX_LENGTH = 8
SECRET_LENGTH = 43  # 43 characters from 62 carry 256 bits
ALPHANUMERIC = string.ascii_letters + string.digits


def create_host(
    name: str, *, kind: str = HostKind.AGENT, targets: Iterable = (), labels: dict | None = None
) -> tuple[Host, str]:
    """A new host and its token (the only time the token is seen in clear)."""
    name = (name or "").strip()
    labels = {} if labels is None else labels
    validate_new_host(name, kind, labels)
    token = _new_token()
    with transaction.atomic():
        host = Host(name=name, kind=kind, labels=dict(labels))
        _apply_token(host, token)
        host.save()
        if targets:
            host.targets.set(resolve_targets(targets))
    return host, token


def validate_new_host(name: str, kind: str, labels=None) -> None:
    errors = {}
    if labels is not None and not valid_labels(labels):
        errors["labels"] = [
            _('Labels must map text to text, at most %(max)d of them, e.g. {"rack": "a"}.')
            % {"max": MAX_LABELS}
        ]
    if not name:
        errors["name"] = [_("Give the host a name, e.g. its hostname.")]
    elif len(name) > Host._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    elif Host.objects.filter(name=name).exists():
        errors["name"] = [_("A host with this name already exists.")]
    if kind not in HostKind.values:
        errors["kind"] = [_("Unknown host kind.")]
    if errors:
        raise ValidationError(errors)


def valid_labels(labels) -> bool:
    """Text to text, as the samples' labels (an API body may send any JSON value)."""
    return (
        type(labels) is dict
        and len(labels) <= MAX_LABELS
        and all(type(k) is str and type(v) is str for k, v in labels.items())
    )


def resolve_targets(targets: Iterable) -> list:
    """Target objects from objects or names; ValidationError naming the unknown ones."""
    from erpkeeper.targets.models import Target

    items = list(targets)
    names = [t for t in items if isinstance(t, str)]
    found = {t.name: t for t in Target.objects.filter(name__in=names)}
    unknown = [n for n in names if n not in found]
    if unknown:
        raise ValidationError(
            {"targets": [_("Unknown target: %(names)s") % {"names": ", ".join(unknown)}]}
        )
    return [found[t] if isinstance(t, str) else t for t in items]


def rotate_token(host: Host) -> str:
    """Replace the host's token: the old one stops working at once."""
    token = _new_token()
    _apply_token(host, token)
    host.save(update_fields=["token_prefix", "token_hash"])
    return token


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


def remove_host(host: Host) -> None:
    """Delete a host with its series, samples and rollups."""
    from erpkeeper.monitoring.storage.ingest import forget_series_ids

    host.delete()
    forget_series_ids()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    prefix = "".join(secrets.choice(ALPHANUMERIC) for _ in range(PREFIX_LENGTH))
    secret = "".join(secrets.choice(ALPHANUMERIC) for _ in range(SECRET_LENGTH))
    return f"{HOST_TOKEN_PREFIX}_{prefix}_{secret}"


def _apply_token(host: Host, token: str) -> None:
    host.token_prefix = token.split("_")[1]
    host.token_hash = hash_token(token)
