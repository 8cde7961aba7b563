"""Slack incoming webhooks, and the many chat tools that accept the same ``{"text": …}``
(Mattermost, Rocket.Chat, Zulip's Slack-compatible endpoint). Block Kit is optional."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.notifications.channels.base import Notification
from erpkeeper.notifications.channels.json_hook import JsonWebhookKind
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.channels.text import detail_lines, plain_text
from erpkeeper.notifications.models import Channel, SecretValues

MAX_SECTION_CHARS = 3000  # Slack's limit for a section's text


@register
class SlackKind(JsonWebhookKind):
    kind = Channel.Kind.SLACK
    label = gettext_lazy("Slack")
    config_defaults = {"blocks": True}

    def validate_config(self, config: dict, secrets: SecretValues) -> dict:
        cleaned = super().validate_config(config, secrets)
        if not isinstance(cleaned["blocks"], bool):
            raise ValidationError({"blocks": _("Enter true or false.")})
        return cleaned

    def render(self, notification: Notification, config: dict) -> dict:
        payload = {"text": plain_text(notification)}
        if config.get("blocks", True):
            payload["blocks"] = blocks(notification)
        return payload


def blocks(notification: Notification) -> list[dict]:
    context = " · ".join(f"*{label}*: {value}" for label, value in detail_lines(notification))
    result = [
        {"type": "header", "text": {"type": "plain_text", "text": notification.subject[:150]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]
    if notification.body:
        result.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": notification.body[:MAX_SECTION_CHARS]},
            }
        )
    return result
