"""Settings of the notification channels (erpkeeper/settings.py reads them from ERPKEEPER_*).

Read through these functions at call time, so that tests can override them with ``settings``.
"""

from __future__ import annotations

from django.conf import settings


def allow_private_addresses() -> bool:
    """Whether webhooks may point at private, loopback or link-local addresses.

    Off by default: whoever may edit a channel could otherwise make the server send requests
    into the internal network (SSRF). Turn it on for an intranet webhook receiver.
    """
    return bool(settings.ALLOW_PRIVATE_WEBHOOKS)


def public_url() -> str:
    """The console's address (e.g. https://erpkeeper.example.com), to make links absolute."""
    return (settings.PUBLIC_URL or "").rstrip("/")


def connect_timeout() -> float:
    return float(settings.NOTIFICATION_CONNECT_TIMEOUT)


def read_timeout() -> float:
    return float(settings.NOTIFICATION_READ_TIMEOUT)
