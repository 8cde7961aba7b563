"""Audit trail: who changed what, from where, as a hash chain.

(Foundation stub: the context API below is stable; recording and verification are filled in
by the audit work.)
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditContext:
    actor_id: int | None
    actor_name: str
    source: str  # console | api | cli | job | system
    request_id: str = ""


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "erpkeeper_audit_context", default=None
)


def current_context() -> AuditContext:
    return _context.get() or AuditContext(None, "system", "system")


@contextlib.contextmanager
def audit_context(actor=None, *, actor_name: str | None = None, source: str, request_id: str = ""):
    """Attribute every change inside the block to ``actor`` (a user) or ``actor_name``."""
    name = actor_name or (actor.get_username() if actor is not None else "system")
    token = _context.set(AuditContext(getattr(actor, "pk", None), name, source, request_id))
    try:
        yield
    finally:
        _context.reset(token)


@contextlib.contextmanager
def cli_actor_context(username: str | None, command: str = ""):
    """The CLI acts as ``--as USER`` when given, else as ``cli:<os user>``."""
    actor = None
    if username:
        from django.contrib.auth import get_user_model

        from erpkeeper.cli import EXIT_NOT_FOUND, CommandError

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


def connect_signals() -> None:
    """Connect model signals to the recorder (filled in by the audit work)."""
