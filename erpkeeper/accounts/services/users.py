"""Users, roles, passwords, the sign-in lockout and preferences.

Users created here are staff, except portal users (never in the console): the console *is*
the Django admin, which only lets staff in, and what a user may then see or do there (and in
the API) is decided by their role's model permissions alone. ``is_staff`` therefore means "may
use the console" and is not a privilege.

Every function that stores a password runs Django's AUTH_PASSWORD_VALIDATORS (NIST 800-63B:
length, common passwords, similarity to the user's name/e-mail) and raises
``django.core.exceptions.ValidationError`` with the reasons.
"""

from __future__ import annotations

import contextlib
import secrets
import string

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset as reset_lockout
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from erpkeeper.accounts.lockout import lockout_message
from erpkeeper.accounts.models import Profile
from erpkeeper.accounts.roles import Role
from erpkeeper.core.audit import audit_context, current_context

ALPHANUMERIC = string.ascii_letters + string.digits
GENERATED_PASSWORD_LENGTH = 20


# --- users -----------------------------------------------------------------------------------


def acting_as(actor):
    """Attribute the changes inside the block to ``actor`` when given (else the ambient one)."""
    if actor is None:
        return contextlib.nullcontext()

    ambient = current_context()
    return audit_context(actor, source=ambient.source, request_id=ambient.request_id)


def generate_password() -> str:
    """A random password that passes the validators (about 119 bits)."""
    return "".join(secrets.choice(ALPHANUMERIC) for _ in range(GENERATED_PASSWORD_LENGTH))


def validate_password(password: str, user=None) -> None:
    """Raise ValidationError({"password": [reasons]}) unless ``password`` passes the policy."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def create_user(
    username: str,
    email: str = "",
    role: Role | str = Role.VIEWER,
    password: str | None = None,
    *,
    usable_password: bool = True,
    first_name: str = "",
    last_name: str = "",
    language: str = "",
    actor=None,
):
    """Create a console user with one role. Returns ``(user, generated_password)``.

    Without ``password`` a random one is generated and returned so that the caller can show it
    once (``erpkeeper up`` and ``erpkeeper user create`` do); it is never stored in plaintext.
    With ``usable_password=False`` the user gets no password at all (API tokens only).
    """
    role = _role(role)
    User = get_user_model()
    user = User(
        username=username.strip(),
        email=email.strip(),
        first_name=first_name,
        last_name=last_name,
        is_staff=role.uses_console,
    )
    _validate_new_user(user)
    generated = None
    if usable_password and password is None:
        password = generated = generate_password()
    if usable_password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    with acting_as(actor), transaction.atomic():
        user.save()
        set_role(user, role)
        if language:
            set_language(user, language)
        if generated:
            # A generated password has been seen on a terminal: it is for one sign-in only.
            Profile.objects.filter(user=user).update(must_change_password=True)
    return user, generated


def _validate_new_user(user) -> None:
    errors = {}
    try:
        user.full_clean(exclude=["password", "last_login", "date_joined"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if user.username and type(user).objects.filter(username__iexact=user.username).exists():
        errors.setdefault("username", []).append(_("A user with that username already exists."))
    if user.email:
        try:
            validate_email(user.email)
        except ValidationError as exc:
            errors.setdefault("email", []).extend(exc.messages)
    if errors:
        raise ValidationError({k: list(dict.fromkeys(v)) for k, v in errors.items()})


def _role(role: Role | str) -> Role:
    try:
        return role if isinstance(role, Role) else Role.parse(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        message = _("Unknown role %(role)s; choose one of: %(choices)s.") % {
            "role": role,
            "choices": choices,
        }
        raise ValidationError({"role": [message]}) from None


def get_user(username: str):
    """The user with this username (exact first, then case-insensitive) or DoesNotExist."""
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        return User.objects.get(username__iexact=username)


def user_roles(user) -> list[Role]:
    names = {group.name for group in user.groups.all()}  # uses prefetch_related("groups")
    return [role for role in Role if role.value in names]


def set_role(user, role: Role | str, actor=None) -> None:
    """Give ``user`` exactly this role (other, non-role groups are kept)."""
    role = _role(role)
    with acting_as(actor), transaction.atomic():
        group, _created = Group.objects.get_or_create(name=role.value)
        others = user.groups.filter(name__in=[r.value for r in Role]).exclude(pk=group.pk)
        user.groups.remove(*others)
        user.groups.add(group)
        # Staff means "may use the console": portal users may not.
        if user.is_staff != role.uses_console:
            user.is_staff = role.uses_console
            user.save(update_fields=["is_staff"])


def portal_rule(user) -> bool:
    """The one rule between the portal and the console: an account in the Portal user role is
    a portal account only (ERP end users: never staff, never superuser, no other role), however
    it got the role (``set_role``, the user's page, the role's page, the shell); an account with
    another role and not that one is staff. Applied to the unsaved instance; returns whether a
    flag changed (the caller saves). Other roles are removed at once (they are rows)."""
    names = set(user.groups.values_list("name", flat=True)) if user.pk else set()
    if Role.PORTAL_USER.value in names:
        others = [r.value for r in Role if r != Role.PORTAL_USER and r.value in names]
        if others:
            user.groups.remove(*Group.objects.filter(name__in=others))
        changed = user.is_staff or user.is_superuser
        user.is_staff = user.is_superuser = False
        return changed
    if any(role.value in names for role in Role) and not user.is_staff:
        user.is_staff = True
        return True
    return False


def set_password(user, password: str, actor=None) -> None:
    """Validate and store a new password. Signs the user out of other console sessions.

    The new password must differ from the current one: otherwise storing a one-time password
    again (with a fresh salt) would count as choosing one's own and keep it for good.
    """
    validate_new_password(user, password)
    with acting_as(actor):
        user.set_password(password)
        user.save(update_fields=["password"])


def validate_new_password(user, password: str) -> None:
    """Raise ValidationError({"password": [reasons]}) unless ``password`` passes the policy and
    differs from the user's current password."""
    reasons = []
    try:
        validate_password(password, user)
    except ValidationError as exc:
        reasons.extend(exc.message_dict["password"])
    if user.has_usable_password() and check_password(password, user.password):
        reasons.append(_("The new password must differ from the current one."))
    if reasons:
        raise ValidationError({"password": reasons})


class AccountLockedOut(Exception):
    """Too many wrong passwords for this account from this address (the sign-in lockout)."""


def check_password_change(user, current_password: str, new_password: str, request=None) -> None:
    """Raise unless ``user`` may replace ``current_password`` by ``new_password``.

    ValidationError({"current_password"|"new_password": [reasons]}) for a wrong current password
    or a new one that the policy refuses; AccountLockedOut once the account is locked from the
    request's address. A wrong current password counts as a failed sign-in (django-axes), so a
    stolen session or API token cannot guess the password at full speed. ``request`` is the
    Django HttpRequest (its address is half the lockout key); without it nothing is counted.
    """
    credentials = {"username": user.get_username()}
    if request is not None and AxesProxyHandler.is_locked(request, credentials):
        # As axes' sign-in backend does: its middleware then answers with the lockout page
        # (or 429 JSON under /api/).
        request.axes_locked_out = True
        raise AccountLockedOut(lockout_message(request))
    if not user.check_password(current_password):
        if request is not None:
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                raise AccountLockedOut(lockout_message(request))
        message = _("The current password is not correct.")
        raise ValidationError({"current_password": [message]})
    try:
        validate_new_password(user, new_password)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.message_dict["password"]}) from None


def change_own_password(
    user, current_password: str, new_password: str, request=None, actor=None
) -> None:
    """A user replaces their own password (the API; the console's form runs the two steps
    itself): see check_password_change for what is refused. Storing it clears the one-time
    password flag (signals.py)."""
    check_password_change(user, current_password, new_password, request)
    set_password(user, new_password, actor=actor)


def unlock_user(username: str) -> int:
    """Lift the sign-in lockout of ``username`` from every address. Returns attempts removed."""
    return reset_lockout(username=username)


# --- preferences -----------------------------------------------------------------------------


def get_profile(user) -> Profile:
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _created = Profile.objects.get_or_create(user=user)
        return profile


def set_language(user, language: str, actor=None) -> Profile:
    """Store the user's language ("" = follow the browser)."""
    codes = {code for code, _name in settings.LANGUAGES}
    if language and language not in codes:
        raise ValidationError({"language": [_("Unknown language %(code)s.") % {"code": language}]})
    profile = get_profile(user)
    if profile.language != language:
        with acting_as(actor):
            profile.language = language
            profile.save(update_fields=["language"])
    return profile
