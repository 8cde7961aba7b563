"""Channel kinds, one module each behind ``ChannelKind`` (base.py), found through the registry.

from erpkeeper.notifications.channels import get_kind
kind = get_kind(channel.kind)
result = kind.send(kind.render(notification, config), config, secrets)
"""

from erpkeeper.notifications.channels import (  # noqa: F401  (each module registers its kind)
    dingtalk,
    email,
    feishu,
    slack,
    webhook,
    wecom,
)
from erpkeeper.notifications.channels.registry import get_kind

__all__ = ["get_kind"]
