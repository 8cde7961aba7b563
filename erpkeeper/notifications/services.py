"""Notification channels: create, change, remove, enable or disable, and send a test message.

Every interface (console, API, CLI) calls these. Sending what the outbox holds is in
``delivery.py``; both share ``attempt_send``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.core.audit import audit_context
from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.notifications.channels import get_kind
from erpkeeper.notifications.channels.base import DeliveryResult, Notification, one_line
from erpkeeper.notifications.channels.text import platform_language, sample_notification
from erpkeeper.notifications.models import Channel, Delivery, SecretValues

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("name", "kind", "enabled", "config", "min_severity", "description")
SECRET_KEYS = ("url", "secret", "password")
SOURCE = "notifications"
CHANNEL_DISABLED = "channel_disabled"
SYSTEM_ACTOR = "system:notifications"


# -- channels -----------------------------------------------------------------------------------


def create_channel(*, secrets: dict | None = None, targets=None, **fields) -> Channel:
    """A new channel. ``secrets`` holds ``url``, ``secret`` or ``password`` as the kind needs."""
    _refuse_unknown(fields)
    channel = Channel(**fields)
    with transaction.atomic():
        validate_channel(channel, secrets or {})
        channel.save()
        if targets is not None:
            channel.targets.set(targets)
    return channel


def update_channel(
    channel: Channel, *, secrets: dict | None = None, targets=None, **changes
) -> Channel:
    """Apply ``changes``. In ``secrets`` a value replaces the stored one, an empty string
    removes it (e.g. a robot's signing secret), and a missing key keeps it."""
    _refuse_unknown(changes)
    for name, value in changes.items():
        setattr(channel, name, value)
    merged = secrets_to_keep(channel)
    merged.update(secrets or {})
    with transaction.atomic():
        validate_channel(channel, merged)
        channel.save()
        if targets is not None:
            channel.targets.set(targets)
    return channel


def secrets_to_keep(channel: Channel) -> SecretValues:
    """The stored secrets an edit starts from; none when they cannot be decrypted any more
    (the key file changed), so that entering them again repairs the channel."""
    if not channel.pk:
        return SecretValues()
    try:
        return channel.secret_values()
    except SecretDecryptionError:
        return SecretValues()


def remove_channel(channel: Channel) -> None:
    """Remove the channel with its delivery history (the audit trail keeps the removal)."""
    channel.delete()


def enable_channel(channel: Channel) -> Channel:
    """Turn a channel back on, forgetting why it was disabled; once no channel is left
    disabled by a failure, the "channel disabled" notification is resolved."""
    channel.enabled = True
    channel.disabled_reason = ""
    channel.disabled_at = None
    channel.save(update_fields=["enabled", "disabled_reason", "disabled_at", "updated"])
    if not Channel.objects.filter(enabled=False).exclude(disabled_reason="").exists():
        outbox.resolve_alerts(source=SOURCE, event=CHANNEL_DISABLED)
    return channel


def disable_channel(channel: Channel) -> Channel:
    """Turn a channel off by hand (no reason recorded: nothing failed)."""
    channel.enabled = False
    channel.save(update_fields=["enabled", "updated"])
    return channel


def disable_after_failure(channel: Channel, reason: str) -> None:
    """A permanent failure (bad token, 404, refused login): stop using the channel, say why
    in the console and the API, and tell people through the other channels."""
    with audit_context(actor_name=SYSTEM_ACTOR, source="system"):
        channel.enabled = False
        channel.disabled_reason = reason[:500]
        channel.disabled_at = timezone.now()
        channel.save(update_fields=["enabled", "disabled_reason", "disabled_at", "updated"])
        announce_disabled(channel)
    logger.warning("notification channel %s disabled: %s", channel.name, channel.disabled_reason)


def announce_disabled(channel: Channel) -> OutboxMessage:
    """Raise the "channel disabled" notification; its body lists every channel disabled now.

    Messages with one deduplication key merge while open. When the open one was already sent,
    it is resolved and a new one raised, so that each newly disabled channel is announced.
    """
    key = outbox.dedupe_key(SOURCE, CHANNEL_DISABLED, None)
    if OutboxMessage.objects.filter(dedupe_key=key, state=OutboxMessage.State.SENT).exists():
        outbox.resolve_alerts(source=SOURCE, event=CHANNEL_DISABLED)
    disabled = Channel.objects.filter(enabled=False).exclude(disabled_reason="")
    with platform_language():
        subject = _("Notification channel %(name)s was disabled") % {"name": channel.name}
        body = "\n".join(
            _("%(name)s: %(reason)s") % {"name": c.name, "reason": c.disabled_reason}
            for c in disabled
        )
    return outbox.raise_alert(
        source=SOURCE,
        event=CHANNEL_DISABLED,
        subject=subject,
        severity=OutboxMessage.Severity.CRITICAL,
        body=body,
        link=reverse("admin:notifications_channel_change", args=[channel.pk]),
    )


# -- sending ------------------------------------------------------------------------------------


def send_test(channel: Channel) -> Delivery:
    """Send a test message now, even to a disabled channel (to check a fix before enabling
    it), and record it. A failure here never disables the channel: someone is watching."""
    delivery = Delivery.objects.create(channel=channel, attempt=1, started=timezone.now())
    result = attempt_send(channel, sample_notification())
    record_result(delivery, result, next_retry_at=None)
    return delivery


def attempt_send(channel: Channel, notification: Notification) -> DeliveryResult:
    """Render and send; whatever goes wrong becomes a failed result, never an exception, so
    one broken channel cannot stop the others."""
    secrets = SecretValues()
    try:
        secrets = channel.secret_values()
        kind = get_kind(channel.kind)
        payload = kind.render(notification, channel.config)
        return kind.send(payload, channel.config, secrets)
    except SecretDecryptionError as exc:
        return DeliveryResult.failure(str(exc), permanent=True)
    except Exception as exc:
        error = one_line(f"{type(exc).__name__}: {exc}", secrets)
        # No traceback: its frames could print the secrets; the masked message names the fault.
        logger.error("notification channel %s failed unexpectedly: %s", channel.name, error)
        return DeliveryResult.failure(error)


def record_result(delivery: Delivery, result: DeliveryResult, next_retry_at) -> None:
    delivery.ok = result.ok
    delivery.duration_ms = result.duration_ms
    delivery.status_code = result.status_code
    delivery.response = result.response[:255]
    delivery.error = result.error[:500]
    delivery.next_retry_at = next_retry_at
    delivery.save(
        update_fields=["ok", "duration_ms", "status_code", "response", "error", "next_retry_at"]
    )


def last_delivery(channel: Channel) -> Delivery | None:
    return channel.deliveries.exclude(ok=None).order_by("-started", "-id").first()


# -- validation ---------------------------------------------------------------------------------


def _refuse_unknown(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))


def validate_channel(channel: Channel, secrets: dict) -> None:
    """Check ``channel`` (unsaved changes) as its kind requires; on success its settings are
    cleaned and the secrets that kind uses are encrypted into it. Nothing is saved."""
    secrets = SecretValues(secrets)
    errors: dict = {}
    try:
        channel.full_clean(exclude=["secrets_encrypted", "destination_masked", "config"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        kind = get_kind(channel.kind)
    except ValueError:
        raise ValidationError(errors or {"kind": _("Unknown kind.")}) from None
    secrets = _secrets_for(kind, secrets, errors)
    if not isinstance(channel.config or {}, dict):
        raise ValidationError({"config": _("Enter an object of settings.")})
    try:
        channel.config = kind.validate_config(dict(channel.config or {}), secrets)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    channel.store_secrets(secrets)
    channel.destination_masked = kind.describe(channel.config, secrets)[:500]


def _secrets_for(kind, secrets: SecretValues, errors: dict) -> SecretValues:
    """The secrets this kind uses. Others are dropped (left over after a change of kind)."""
    for key in set(secrets) - set(SECRET_KEYS):
        errors[key] = _("Unknown secret.")
    return SecretValues({key: secrets[key] for key in kind.secret_keys if secrets.get(key)})
