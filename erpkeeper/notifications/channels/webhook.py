"""Generic webhook: the notification as JSON, signed with HMAC-SHA256 when a secret is set.

Receivers verify ``X-ERPKeeper-Signature: sha256=<hex>``, the HMAC of the raw body with the
channel's secret (docs/notifications.md has a snippet). The body repeats the timestamp of
``X-ERPKeeper-Timestamp`` so that it is covered by the signature: reject old ones (replays).
"""

from __future__ import annotations

import hashlib
import hmac

from django.utils.translation import gettext_lazy as _

from erpkeeper.notifications.channels.base import Notification
from erpkeeper.notifications.channels.json_hook import JsonWebhookKind
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.models import Channel, SecretValues

SIGNATURE_HEADER = "X-ERPKeeper-Signature"
TIMESTAMP_HEADER = "X-ERPKeeper-Timestamp"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


@register
class WebhookKind(JsonWebhookKind):
    kind = Channel.Kind.WEBHOOK
    label = _("Webhook")
    secret_keys = ("url", "secret")

    def render(self, notification: Notification, config: dict) -> dict:
        return {
            "id": notification.id,
            "event": notification.event,
            "source": notification.source,
            "severity": notification.severity,
            "subject": notification.subject,
            "body": notification.body,
            "target": notification.target or None,
            "link": notification.link,
            "created": notification.created,
            "occurrences": notification.occurrences,
        }

    def signed_payload(self, payload: dict, secrets: SecretValues, timestamp: float) -> dict:
        return {**payload, "timestamp": int(timestamp)}

    def headers(self, body: bytes, secrets: SecretValues, timestamp: float) -> dict[str, str]:
        headers = {TIMESTAMP_HEADER: str(int(timestamp))}
        if secrets.get("secret"):
            headers[SIGNATURE_HEADER] = signature(secrets["secret"], body)
        return headers
