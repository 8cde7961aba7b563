"""API tokens: made, checked and revoked here; only their SHA-256 is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.accounts.models import TOKEN_PREFIX, ApiToken
from erpkeeper.accounts.services.users import ALPHANUMERIC, acting_as

TOKEN_PREFIX_LENGTH = 8
TOKEN_SECRET_LENGTH = 43  # 43 characters from 62 carry 256 bits
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def validate_token_request(user, name: str | None, expires: datetime | None) -> None:
    """Raise ValidationError({field: [reasons]}) unless a token can be made with these."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the token a name, e.g. what will use it.")]
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    if expires is not None and expires <= timezone.now():
        errors["expires"] = [_("The expiry date must be in the future.")]
    if not user.is_active:
        errors["user"] = [_("The user is inactive.")]
    if errors:
        raise ValidationError(errors)


def create_api_token(user, name: str, expires: datetime | None = None, actor=None):
    """Create a token for ``user``. Returns ``(token, plaintext)``; only a hash is stored, so
    the plaintext can be shown exactly once."""
    validate_token_request(user, name, expires)
    prefix = "".join(secrets.choice(ALPHANUMERIC) for _ in range(TOKEN_PREFIX_LENGTH))
    secret = "".join(secrets.choice(ALPHANUMERIC) for _ in range(TOKEN_SECRET_LENGTH))
    plaintext = f"{TOKEN_PREFIX}_{prefix}_{secret}"
    with acting_as(actor):
        token = ApiToken.objects.create(
            user=user,
            name=name.strip(),
            prefix=prefix,
            token_hash=hash_token(plaintext),
            expires=expires,
        )
    return token, plaintext


def revoke_api_token(token: ApiToken, actor=None) -> ApiToken:
    """Revoke a token for good (idempotent: revoking twice keeps the first time)."""
    if token.revoked is None:
        with acting_as(actor):
            token.revoked = timezone.now()
            token.save(update_fields=["revoked"])
    return token


def visible_tokens(user):
    """The tokens ``user`` may see: their own, or everybody's with view_any_apitoken."""
    tokens = ApiToken.objects.select_related("user")
    if user.has_perm("accounts.view_any_apitoken"):
        return tokens
    return tokens.filter(user=user)


def can_revoke(user, token: ApiToken) -> bool:
    if token.user_id == user.pk:
        return user.has_perm("accounts.change_apitoken")
    return user.has_perm("accounts.revoke_any_apitoken")


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of presenting a token: a user, or why not (``error`` is a stable code)."""

    user: object | None
    token: ApiToken | None = None
    error: str = ""

    @property
    def message(self) -> str:
        return str(TOKEN_ERRORS.get(self.error, ""))


TOKEN_ERRORS = {
    "invalid_token": gettext_lazy("Invalid API token."),
    "token_revoked": gettext_lazy("This API token has been revoked."),
    "token_expired": gettext_lazy("This API token has expired."),
    "user_inactive": gettext_lazy("The account this API token belongs to is disabled."),
}


def check_api_token(plaintext: str) -> TokenCheck:
    """Look a presented token up by its SHA-256 (never by comparing secrets one by one)."""
    parts = (plaintext or "").split("_")
    if (
        len(parts) != 3
        or parts[0] != TOKEN_PREFIX
        or len(parts[1]) != TOKEN_PREFIX_LENGTH
        or len(parts[2]) != TOKEN_SECRET_LENGTH
    ):
        return TokenCheck(None, error="invalid_token")
    digest = hash_token(plaintext)
    token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return TokenCheck(None, error="invalid_token")
    if token.revoked is not None:
        return TokenCheck(None, token, "token_revoked")
    now = timezone.now()
    if token.expires is not None and token.expires <= now:
        return TokenCheck(None, token, "token_expired")
    if not token.user.is_active:
        return TokenCheck(None, token, "user_inactive")
    _touch(token, now)
    return TokenCheck(token.user, token)


def _touch(token: ApiToken, now: datetime) -> None:
    # At most one write a minute per token, and an UPDATE without signals: using a token is
    # not a change worth an audit entry.
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def authenticate_token(plaintext: str):
    """The active user a token belongs to, or None (invalid, revoked, expired or disabled)."""
    return check_api_token(plaintext).user
