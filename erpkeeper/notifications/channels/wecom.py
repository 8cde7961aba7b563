"""WeCom group robots (企业微信群机器人): markdown messages to the robot's webhook URL, whose
``key`` query parameter is its secret. WeCom answers HTTP 200 with ``errcode`` in the body."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.notifications.channels.base import Notification
from erpkeeper.notifications.channels.json_hook import RobotKind
from erpkeeper.notifications.channels.registry import register
from erpkeeper.notifications.channels.text import markdown_text
from erpkeeper.notifications.models import Channel

MAX_CONTENT_BYTES = 4096  # WeCom's limit for markdown content


@register
class WeComKind(RobotKind):
    kind = Channel.Kind.WECOM
    label = _("WeCom robot")
    # 93000: invalid webhook URL or key; 93004: the robot was removed or disabled.
    permanent_codes = frozenset({93000, 93004})

    def render(self, notification: Notification, config: dict) -> dict:
        return {
            "msgtype": "markdown",
            "markdown": {"content": markdown_text(notification, MAX_CONTENT_BYTES)},
        }
