"""DingTalk group robots (钉钉自定义机器人): markdown messages, optionally signed (加签).

With a signing secret, each request carries ``timestamp`` (milliseconds) and ``sign`` in the
query: sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded —
DingTalk's documented algorithm. DingTalk answers HTTP 200 with ``errcode`` in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from django.utils.translation import gettext_lazy as _

from erpkeeper.notifications.channels.base import Notification
from erpkeeper.notifications.channels.json_hook import RobotKind
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.channels.text import markdown_text
from erpkeeper.notifications.models import Channel, SecretValues

MAX_TEXT_BYTES = 18000  # DingTalk refuses messages over 20 000 bytes


def sign(secret: str, timestamp_ms: int) -> str:
    """The ``sign`` query value (already URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


@register
class DingTalkKind(RobotKind):
    kind = Channel.Kind.DINGTALK
    label = _("DingTalk robot")
    secret_keys = ("url", "secret")
    # 300001: unknown access_token; 300005: token not found; 310000: signature, timestamp,
    # keyword or IP allow-list check failed.
    permanent_codes = frozenset({300001, 300005, 310000})

    def render(self, notification: Notification, config: dict) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {
                "title": notification.subject,
                "text": markdown_text(notification, MAX_TEXT_BYTES),
            },
        }

    def request_url(self, secrets: SecretValues, timestamp: float) -> str:
        url = secrets["url"]
        if not secrets.get("secret"):
            return url
        timestamp_ms = int(timestamp * 1000)
        separator = "&" if "?" in url else "?"
        return (
            f"{url}{separator}timestamp={timestamp_ms}&sign={sign(secrets['secret'], timestamp_ms)}"
        )
