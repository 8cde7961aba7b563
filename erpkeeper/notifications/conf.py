"""Settings of the notification channels, with their defaults.

Each is read from Django's settings when present there (``ALLOW_PRIVATE_WEBHOOKS`` …), else
from the ERPKEEPER_* environment variable, so tests can override them with ``settings``.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from erpkeeper.lib import env

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


def allow_private_addresses() -> bool:
    """Whether webhooks may point at private, loopback or link-local addresses.

    Off by default: whoever may edit a channel could otherwise make the server send requests
    into the internal network (SSRF). Turn it on for an intranet webhook receiver.
    """
    value = getattr(settings, "ALLOW_PRIVATE_WEBHOOKS", None)
    return _env_allow_private() if value is None else bool(value)


def public_url() -> str:
    """The console's address (e.g. https://erpkeeper.example.com), to make links absolute."""
    value = getattr(settings, "PUBLIC_URL", None)
    return (_env_public_url() if value is None else value).rstrip("/")


def connect_timeout() -> float:
    return float(getattr(settings, "NOTIFICATION_CONNECT_TIMEOUT", CONNECT_TIMEOUT))


def read_timeout() -> float:
    return float(getattr(settings, "NOTIFICATION_READ_TIMEOUT", READ_TIMEOUT))


# Read once: a bad value is then reported once by the erpkeeper.E001 system check.
@lru_cache(maxsize=1)
def _env_allow_private() -> bool:
    return env.envbool("ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS", False)


@lru_cache(maxsize=1)
def _env_public_url() -> str:
    return env.envstr("ERPKEEPER_PUBLIC_URL", "")
