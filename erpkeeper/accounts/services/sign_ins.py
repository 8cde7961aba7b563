"""The sign-in history and the notice of a sign-in from a new address.

Every step of signing in to the console is one ``LoginRecord``: the password (Django's
user_logged_in and user_login_failed signals, see signals.py), then the code, a recovery code
or a remembered browser (services.two_factor). The address is the one django-axes locks out by
(``AXES_*`` proxy settings apply to both).

A correct password from an address the user never signed in from before raises a notice in the
outbox naming the user and the address: notification channels send to the team's addresses,
not to one user, so whoever watches them can ask the user. The very first sign-in of a user
raises none (every address is new then).
"""

from __future__ import annotations

import hashlib
import ipaddress

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.accounts.models import LoginRecord
from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage

NOTICE_SOURCE = "accounts"
NOTICE_EVENT = "sign_in_new_address"
USER_AGENT_LENGTH = LoginRecord._meta.get_field("user_agent").max_length
USERNAME_LENGTH = LoginRecord._meta.get_field("username").max_length


def client_address(request) -> str | None:
    """The client's IP address, or None when there is none or it is not one (a misconfigured
    proxy header must not stop anyone signing in)."""
    address = get_client_ip_address(request) if request is not None else None
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def client_user_agent(request) -> str:
    if request is None:
        return ""
    return printable(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]


def printable(text: str) -> str:
    # Whatever a client sends is stored: PostgreSQL refuses NUL characters in text.
    return str(text).replace("\x00", "")


def record_sign_in(request, user, method: str, *, success: bool, username: str = ""):
    """Write one step of a sign-in to the history; a correct password from a new address also
    raises the new-address notice."""
    address = client_address(request)
    first_time = success and user is not None and not _signed_in_before(user)
    known = success and user is not None and _known_address(user, address)
    record = LoginRecord.objects.create(
        user=user,
        username=printable(username or (user.get_username() if user else ""))[:USERNAME_LENGTH],
        address=address,
        user_agent=client_user_agent(request),
        method=method,
        success=success,
    )
    if success and method == LoginRecord.Method.PASSWORD and address and not (first_time or known):
        notify_new_address(record)
    return record


def record_failed_password(request, username: str):
    """A wrong password (or a locked-out attempt) for ``username``, whoever that is."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    return record_sign_in(
        request, user, LoginRecord.Method.PASSWORD, success=False, username=username
    )


def _signed_in_before(user) -> bool:
    return LoginRecord.objects.filter(user=user, success=True).exists()


def _known_address(user, address: str | None) -> bool:
    if not address:
        return True  # nothing to compare: no notice
    return LoginRecord.objects.filter(user=user, success=True, address=address).exists()


def notify_new_address(record: LoginRecord) -> OutboxMessage:
    """Raise the notice for this sign-in, in the platform's language (notifications are shared
    text). One per user and address: its key names both, so notices never merge."""
    digest = hashlib.sha256(record.address.encode()).hexdigest()[:16]
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(user)s signed in from a new address: %(address)s") % {
            "user": record.username,
            "address": record.address,
        }
        when = timezone.localtime(record.time).strftime("%Y-%m-%d %H:%M:%S %Z")
        body = "\n".join(
            [
                _("Time: %(time)s") % {"time": when},
                _("Browser: %(agent)s") % {"agent": record.user_agent or "-"},
                _(
                    "If this was not %(user)s, reset their password and two-factor "
                    "authentication, and read their sign-in history."
                )
                % {"user": record.username},
            ]
        )
    return outbox.raise_alert(
        source=NOTICE_SOURCE,
        event=f"{NOTICE_EVENT}:{record.user_id}:{digest}",
        subject=subject,
        severity=OutboxMessage.Severity.WARNING,
        body=body,
        link=sign_ins_url(record.user_id),
    )


def sign_ins_of(user, limit: int | None = None):
    records = LoginRecord.objects.filter(user=user).order_by("-time", "-pk")
    return records[:limit] if limit else records


def sign_ins_url(user_id: int) -> str:
    """The console's sign-in history of one user."""
    return reverse("admin:accounts_loginrecord_changelist") + f"?user__id__exact={user_id}"
