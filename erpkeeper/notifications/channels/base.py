"""The contract every kind of channel fulfils, and what a send reports back.

A kind validates its settings when a channel is saved, renders a notification into the payload
its service expects, and sends that payload. ``send`` never raises for a delivery failure: it
returns a ``DeliveryResult`` saying whether trying again later may help (``permanent``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from erpkeeper.notifications.models import SecretValues

MASK = "********"
MAX_ERROR_LENGTH = 500


@dataclass
class DeliveryResult:
    """The outcome of one send. ``status_code`` is the HTTP status or the SMTP reply code."""

    ok: bool
    status_code: int | None = None
    response: str = ""
    error: str = ""
    permanent: bool = False
    retry_after: float | None = None  # seconds the service asked us to wait (HTTP 429)
    duration_ms: int = 0

    @classmethod
    def failure(cls, error: str, *, permanent: bool = False, **fields) -> DeliveryResult:
        return cls(ok=False, error=error, permanent=permanent, **fields)


@dataclass(frozen=True)
class Notification:
    """What is sent, independent of the outbox row (a test message has none)."""

    id: int | None
    source: str
    event: str
    severity: str
    severity_label: str
    subject: str
    body: str
    target: str
    link: str
    created: str  # ISO 8601
    occurrences: int


class ChannelKind:
    """Base class of the channel kinds (one module each, registered in ``registry``)."""

    kind: str = ""
    label: str = ""
    # Keys allowed in the channel's ``config`` (not secret), with their defaults.
    config_defaults: dict = {}
    # Keys of the encrypted secrets this kind uses, and those it cannot work without.
    secret_keys: tuple[str, ...] = ()
    required_secrets: tuple[str, ...] = ()

    def validate_config(self, config: dict, secrets: SecretValues) -> dict:
        """The cleaned settings (defaults filled in); ``ValidationError`` naming the field."""
        unknown = set(config) - set(self.config_defaults)
        if unknown:
            raise ValidationError(
                {"config": _("unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))}}
            )
        missing = [key for key in self.required_secrets if not secrets.get(key)]
        if missing:
            raise ValidationError({key: _("This field is required.") for key in missing})
        return {**self.config_defaults, **config}

    def render(self, notification: Notification, config: dict) -> dict:
        raise NotImplementedError

    def send(self, payload: dict, config: dict, secrets: SecretValues) -> DeliveryResult:
        raise NotImplementedError

    def describe(self, config: dict, secrets: SecretValues) -> str:
        """Where messages go, without anything secret (shown in lists and the audit trail)."""
        raise NotImplementedError


def one_line(text: str, secrets: SecretValues | None = None) -> str:
    """An error message fit for storing and logging: one line, secrets masked, bounded."""
    text = " ".join(str(text).split())
    for fragment in secret_fragments(secrets or SecretValues()):
        text = text.replace(fragment, MASK)
    return text[:MAX_ERROR_LENGTH]


_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-]{12,}")


def secret_fragments(secrets: SecretValues) -> list[str]:
    """Every piece of a secret that might show up in an error: whole values, and the tokens
    inside URLs (a robot's access_token in the query, Slack's and Feishu's in the path)."""
    fragments = set()
    for value in secrets.values():
        value = str(value)
        if len(value) >= 4:
            fragments.add(value)
        if "://" in value:
            fragments.update(_TOKEN_LIKE.findall(value.split("://", 1)[1].split("/", 1)[-1]))
    return sorted(fragments, key=len, reverse=True)
