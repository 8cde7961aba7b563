"""Monitoring operations for every interface (console, API, CLI): hosts and their tokens."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.monitoring.tsdb.ingest import MAX_LABELS, forget_series_ids
from erpkeeper.monitoring.tsdb.tokens import apply_token, new_token
from erpkeeper.targets.models import Target


def create_host(
    name: str, *, kind: str = HostKind.AGENT, targets: Iterable = (), labels: dict | None = None
) -> tuple[Host, str]:
    """A new host and its token (the only time the token is seen in clear)."""
    name = (name or "").strip()
    labels = {} if labels is None else labels
    validate_new_host(name, kind, labels)
    token = new_token()
    with transaction.atomic():
        host = Host(name=name, kind=kind, labels=dict(labels))
        apply_token(host, token)
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
    token = new_token()
    apply_token(host, token)
    host.save(update_fields=["token_prefix", "token_hash"])
    return token


def remove_host(host: Host) -> None:
    """Delete a host with its series, samples and rollups."""
    host.delete()
    forget_series_ids()
