"""Two-factor authentication with django-otp: an authenticator app (TOTP) and ten recovery codes.

    device = start_enrolment(user)                  # unconfirmed: its QR code and key are shown
    device, codes = confirm_enrolment(user, "123456")   # codes are shown once, never again
    check = verify_sign_in(request, "123456")       # the sign-in's second step (or a code)
    reset_two_factor(user, actor=admin)             # lost phone: enrol again at next sign-in

Secrets are stored as django-otp stores them (the TOTP key in hex, recovery codes as they are,
each deleted when used). The audit trail records every device and code created or deleted with
those values masked (``configure_audit`` below); they are never logged or printed, except the
recovery codes, once, to their owner.

Wrong codes at sign-in count as failed sign-ins for django-axes (5 lock the account from that
address), and each device also backs off exponentially after failures (django-otp's throttling),
which a new password sign-in does not reset.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts.lockout import lockout_message
from erpkeeper.accounts.models import LoginRecord
from erpkeeper.accounts.roles import Role
from erpkeeper.accounts.services.sign_ins import record_sign_in
from erpkeeper.accounts.services.users import (
    AccountLockedOut,
    acting_as,
    get_profile,
    user_roles,
)
from erpkeeper.core.audit import configure_model

# Sent with user_login_failed for a wrong code: django-axes counts it; the sign-in history
# receiver leaves it alone, since verify_sign_in records the code step itself.
SIGNAL_SENDER = "erpkeeper.accounts.two_factor"
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): 8 of 31 carry 39 bits, and
# each is good once, behind the lockout and the back-off.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 8
WRONG_CODE = gettext_lazy(
    "That code is not correct. Authenticator codes change every 30 seconds; "
    "each recovery code works once."
)
REMEMBER_SALT = "erpkeeper.accounts.two_factor.remember"
REMEMBER_COOKIE_PREFIX = "erpkeeper_2fa_"


# --- who must, who has -----------------------------------------------------------------------


def required_roles() -> list[Role]:
    """The roles ERPKEEPER_2FA_REQUIRED_ROLES names."""
    return [Role(value) for value in settings.TWO_FACTOR_REQUIRED_ROLES]


def two_factor_required(user) -> bool:
    """Whether ``user``'s role obliges them to use two-factor authentication. A superuser
    counts as an Administrator (they hold every permission, whatever their groups)."""
    required = set(required_roles())
    if user.is_superuser and Role.ADMINISTRATOR in required:
        return True
    return any(role in required for role in user_roles(user))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class TwoFactorState:
    """What the account page, the user's console page, the API and the CLI show."""

    enabled: bool
    required: bool
    enrolled_at: datetime | None
    last_used: datetime | None
    recovery_codes_left: int
    browsers_forgotten_at: datetime | None = None

    def as_dict(self) -> dict:
        def iso(value):
            return value.isoformat(timespec="seconds") if value else None

        return {
            "enabled": self.enabled,
            "required": self.required,
            "enrolled_at": iso(self.enrolled_at),
            "last_used": iso(self.last_used),
            "recovery_codes_left": self.recovery_codes_left,
            "browsers_forgotten_at": iso(self.browsers_forgotten_at),
        }


def two_factor_state(user) -> TwoFactorState:
    device = confirmed_device(user)
    return TwoFactorState(
        enabled=device is not None,
        required=two_factor_required(user),
        enrolled_at=device.created_at if device else None,
        last_used=device.last_used_at if device else None,
        recovery_codes_left=recovery_codes_left(user) if device else 0,
        browsers_forgotten_at=get_profile(user).browsers_forgotten_at,
    )


# --- enrolment -------------------------------------------------------------------------------


def start_enrolment(user, actor=None) -> TOTPDevice:
    """The user's authenticator waiting for its first code: made on the first call and kept
    until confirmed, so that reloading the page shows the same QR code the app has scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        with acting_as(actor):
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no image library needed)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def manual_key(device: TOTPDevice) -> str:
    """The secret as authenticator apps ask for it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def confirm_enrolment(user, code: str, actor=None) -> tuple[TOTPDevice, list[str]]:
    """Confirm the waiting authenticator with a code from it. Replaces any earlier authenticator
    and recovery codes; returns the device and the new recovery codes (shown once).

    Raises ValidationError({"code": [reason]}) for a wrong code or when nothing is waiting.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        raise ValidationError({"code": [_("Start the set-up again: no authenticator is waiting.")]})
    with transaction.atomic():  # committed even when wrong: the failure counts for back-off
        accepted, reason = _check(device, normalise_code(code))
    if not accepted:
        raise ValidationError({"code": [reason]})
    with acting_as(actor), transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.refresh_from_db()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
    return device, codes


def regenerate_recovery_codes(user, actor=None) -> list[str]:
    """New recovery codes for a user with an authenticator; the old ones stop working."""
    if not has_two_factor(user):
        message = _("Set up two-factor authentication first.")
        raise ValidationError({"two_factor": [message]})
    with acting_as(actor), transaction.atomic():
        return _replace_recovery_codes(user)


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:  # one save each (not bulk_create): the audit trail records each, masked
        StaticToken.objects.create(device=device, token=code)
    return [format_recovery_code(code) for code in codes]


def _new_recovery_code() -> str:
    return "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))


def format_recovery_code(code: str) -> str:
    """``abcd-efgh``: easier to read out and type; the dash is optional when typed."""
    return f"{code[:4]}-{code[4:]}"


def reset_two_factor(user, actor=None) -> int:
    """Remove the user's authenticator and recovery codes (a lost phone, a departure). A user
    whose role requires two-factor authentication enrols again at their next page; remembered
    browsers stop skipping the code. Returns how many devices were removed."""
    with acting_as(actor), transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        removed += (
            StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
        )
    return removed


# --- the sign-in's second step ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code at sign-in: the device that accepted it, or why not."""

    device: object | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.device is not None


def normalise_code(code: str) -> str:
    return "".join(ch for ch in str(code or "").lower() if ch.isalnum())


def verify_sign_in(request, code: str) -> CodeCheck:
    """Check a code from the authenticator or a recovery code for ``request.user`` and, when
    it is right, mark the session as having passed the second step (and record it).

    A wrong code is recorded, counts as a failed sign-in for the lockout, and raises
    AccountLockedOut once the account is locked from this address (as it does before checking).
    """
    user = request.user
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        request.axes_locked_out = True
        raise AccountLockedOut(lockout_message(request))
    cleaned = normalise_code(code)
    method, device = _device_for(user, cleaned)
    with transaction.atomic():
        accepted, reason = _check(device, cleaned)
    if not accepted:
        record_sign_in(request, user, method, success=False)
        user_login_failed.send(sender=SIGNAL_SENDER, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            raise AccountLockedOut(lockout_message(request))
        return CodeCheck(None, reason)
    pass_second_step(request, device, method)
    return CodeCheck(device)


def _device_for(user, cleaned: str):
    """Six digits are for the authenticator; anything else is tried as a recovery code."""
    if cleaned.isdigit() and len(cleaned) == 6:
        return LoginRecord.Method.TOTP, confirmed_device(user)
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return LoginRecord.Method.RECOVERY_CODE, device


def _check(device, cleaned: str) -> tuple[bool, str]:
    """(accepted, why not). Call inside a transaction: the device row is locked for the check,
    so two requests cannot both use one code (or one recovery code)."""
    if device is None or not cleaned:
        return False, str(WRONG_CODE)
    locked = type(device).objects.select_for_update().get(pk=device.pk)
    allowed, details = locked.verify_is_allowed()
    if not allowed:
        return False, _backing_off_message(details)
    return (True, "") if locked.verify_token(cleaned) else (False, str(WRONG_CODE))


def _backing_off_message(details: dict | None) -> str:
    until = (details or {}).get("locked_until") or timezone.now()
    seconds = max(1, round((until - timezone.now()).total_seconds()))
    return ngettext(
        "Too many wrong codes: wait %(seconds)d second, then try again with a new code.",
        "Too many wrong codes: wait %(seconds)d seconds, then try again with a new code.",
        seconds,
    ) % {"seconds": seconds}


def pass_second_step(request, device, method: str) -> None:
    """The session has passed the second step: a new session key (what was learnt about the
    old one is worthless now), the device in the session, and a line in the history."""
    request.session.cycle_key()
    django_otp.login(request, device)
    record_sign_in(request, request.user, method, success=True)


# --- remembered browsers ---------------------------------------------------------------------


def remember_days() -> int:
    return settings.TWO_FACTOR_REMEMBER_DAYS


def remember_cookie_name(user) -> str:
    return f"{REMEMBER_COOKIE_PREFIX}{user.pk}"


def remember_cookie_value(user, device: TOTPDevice) -> str:
    """A signed, timestamped value bound to the user's password hash and authenticator: a new
    password or a reset makes every remembered browser ask for the code again."""
    return signing.dumps({"u": user.pk, "f": _fingerprint(user, device)}, salt=REMEMBER_SALT)


def remembered_device(user, cookie_value: str | None) -> TOTPDevice | None:
    """The authenticator this browser was remembered for, if the cookie is still good."""
    days = remember_days()
    if not days or not cookie_value:
        return None
    try:
        data = signing.loads(cookie_value, salt=REMEMBER_SALT, max_age=timedelta(days=days))
    except signing.BadSignature:  # also an expired one
        return None
    device = confirmed_device(user)
    if device is None or not isinstance(data, dict) or data.get("u") != user.pk:
        return None
    if not constant_time_compare(str(data.get("f", "")), _fingerprint(user, device)):
        return None
    return device


def forget_remembered_browsers(user, actor=None) -> None:
    """Make every browser remembered for ``user`` ask for the code again (a lost laptop, a
    shared computer), without touching the password or the authenticator: the time is part of
    every remembered browser's fingerprint, so older cookies no longer match."""
    profile = get_profile(user)
    with acting_as(actor):
        profile.browsers_forgotten_at = timezone.now()
        profile.save(update_fields=["browsers_forgotten_at"])


def _fingerprint(user, device: TOTPDevice) -> str:
    forgotten = get_profile(user).browsers_forgotten_at
    since = forgotten.isoformat() if forgotten else ""
    material = f"{user.pk}:{user.password}:{device.pk}:{device.key}:{since}"
    return salted_hmac(REMEMBER_SALT, material, algorithm="sha256").hexdigest()


# --- the audit trail -------------------------------------------------------------------------


def configure_audit() -> None:
    """Record django-otp's devices and codes with their secrets masked. Using a device (its
    last time step, drift, failure count) is not a change: sign-ins have their own history."""
    usage = {"last_t", "drift", "throttling_failure_timestamp", "throttling_failure_count"}
    usage |= {"last_used_at"}
    configure_model("otp_totp.totpdevice", redact={"key": None}, ignore=usage)
    configure_model("otp_static.staticdevice", ignore=usage)
    configure_model("otp_static.statictoken", redact={"token": None})
