"""Who is acting: the audit context of the current request, command or job."""

from __future__ import annotations

import contextlib
import contextvars
import getpass
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth import get_user_model

from erpkeeper.lib.cli import EXIT_NOT_FOUND, CommandError

# --- who is acting ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None
    actor_name: str
    source: str  # console | api | cli | job | system
    request_id: str = ""
    # When set, the request's user is resolved when an entry is recorded, so a user that DRF
    # authenticates after the middleware ran (API tokens) is still the actor.
    request: Any = field(default=None, compare=False, repr=False)

    def resolved(self) -> AuditContext:
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
            return self
        if user.pk == self.actor_id:
            return self
        return replace(self, actor_id=user.pk, actor_name=user.get_username())


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "erpkeeper_audit_context", default=None
)


def current_context() -> AuditContext:
    context = _context.get()
    return context.resolved() if context is not None else AuditContext(None, "system", "system")


@contextlib.contextmanager
def audit_context(
    actor=None,
    *,
    actor_name: str | None = None,
    source: str,
    request_id: str = "",
    request=None,
):
    """Attribute every change inside the block to ``actor`` (a user) or ``actor_name``.

    Pass ``request`` (the Django ``HttpRequest``) to attribute changes to ``request.user`` as it
    is when each change is recorded.
    """
    name = actor_name or (actor.get_username() if actor is not None else "system")
    context = AuditContext(getattr(actor, "pk", None), name, source, request_id, request)
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def set_request_actor(request, user) -> None:
    """Attribute the rest of this request's changes to ``user`` (e.g. an API token's user).

    Call it inside the request's ``audit_context`` block (opened by AuditActorMiddleware): the
    block restores the previous context when the request ends.
    """
    django_request = getattr(request, "_request", request)
    ambient = _context.get()
    request_id = getattr(django_request, "request_id", "") or (
        ambient.request_id if ambient else ""
    )
    source = ambient.source if ambient is not None else "api"
    _context.set(AuditContext(user.pk, user.get_username(), source, request_id, django_request))


def acting_user():
    """The user making the current change: the console's or the API's user, the CLI's ``--as``
    user; None for the system, a job without a requester, or the CLI without ``--as``."""
    actor_id = current_context().actor_id
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None


@contextlib.contextmanager
def cli_actor_context(username: str | None, command: str = ""):
    """The CLI acts as ``--as USER`` when given, else as ``cli:<os user>``."""
    actor = None
    if username:
        try:
            actor = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(
                f"no active user {username!r}", EXIT_NOT_FOUND, "not_found"
            ) from None
    name = actor.get_username() if actor else f"cli:{_os_user()}"
    with audit_context(actor, actor_name=name, source="cli"):
        yield


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
