"""Feishu (Lark) group robots (飞书自定义机器人): a card (``interactive``) or plain text.

With a signing secret the body carries ``timestamp`` (seconds) and
sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) — Feishu's documented
algorithm. Feishu answers HTTP 200 with ``code`` (and ``msg``) in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.notifications.channels.base import Notification
from erpkeeper.notifications.channels.json_hook import RobotKind
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.channels.text import (
    SEVERITY_COLORS,
    markdown_details,
    plain_text,
    platform_language,
    truncate_bytes,
)
from erpkeeper.notifications.models import Channel, SecretValues

MESSAGE_TYPES = ("interactive", "text")
MAX_TEXT_BYTES = 20000  # well under Feishu's 30 KB request limit


def sign(secret: str, timestamp: int) -> str:
    key = f"{timestamp}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


@register
class FeishuKind(RobotKind):
    kind = Channel.Kind.FEISHU
    label = gettext_lazy("Feishu robot")
    secret_keys = ("url", "secret")
    config_defaults = {"message_type": "interactive"}
    code_field = "code"
    message_field = "msg"
    # 19001: invalid webhook token; 19021: bad signature or timestamp; 19022: address not on
    # the allow list; 19024: a required keyword is missing.
    permanent_codes = frozenset({19001, 19021, 19022, 19024})

    def validate_config(self, config: dict, secrets: SecretValues) -> dict:
        cleaned = super().validate_config(config, secrets)
        if cleaned["message_type"] not in MESSAGE_TYPES:
            raise ValidationError(
                {"message_type": _("Choose one of: %s") % ", ".join(MESSAGE_TYPES)}
            )
        return cleaned

    def render(self, notification: Notification, config: dict) -> dict:
        if config.get("message_type") == "text":
            return {"msg_type": "text", "content": {"text": plain_text(notification)}}
        return {"msg_type": "interactive", "card": card(notification)}

    def signed_payload(self, payload: dict, secrets: SecretValues, timestamp: float) -> dict:
        if not secrets.get("secret"):
            return payload
        seconds = int(timestamp)
        return {"timestamp": str(seconds), "sign": sign(secrets["secret"], seconds), **payload}


def card(notification: Notification) -> dict:
    # A card's title is its header; lark_md has no headings or quotes.
    content = "\n".join(markdown_details(notification))
    if notification.body:
        content += "\n\n" + notification.body
    body = truncate_bytes(content, MAX_TEXT_BYTES)
    elements: list[dict] = [{"tag": "div", "text": {"tag": "lark_md", "content": body}}]
    if notification.link.startswith("http"):
        with platform_language():
            button_text = _("Open in ERPKeeper")
        elements.append(
            {
                "tag": "action",
                "actions": [
                    {
                        "tag": "button",
                        "text": {"tag": "plain_text", "content": button_text},
                        "url": notification.link,
                        "type": "primary",
                    }
                ],
            }
        )
    return {
        "header": {
            "title": {"tag": "plain_text", "content": notification.subject},
            "template": SEVERITY_COLORS.get(notification.severity, "blue"),
        },
        "elements": elements,
    }
