"""Roles and the rules that grant them permissions: plain data, no models, no app imports.

Apps declare their own rules on their AppConfig (``erpkeeper.lib.plugins``); ``accounts.roles``
adds the platform-wide ones and keeps the role groups in sync.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "Administrator", _("Administrator")
    OPS_ENGINEER = "Ops engineer", _("Ops engineer")
    DBA = "DBA", _("DBA")
    SECURITY_AUDITOR = "Security auditor", _("Security auditor")
    HELPDESK_AGENT = "Helpdesk agent", _("Helpdesk agent")
    MANAGER = "Manager", _("Manager")
    VIEWER = "Viewer", _("Viewer")
    # ERP end users: the service desk's portal only (no console, no API, no permissions).
    PORTAL_USER = "Portal user", _("Portal user")

    @classmethod
    def parse(cls, text: str) -> Role:
        """Accept ``Ops engineer``, ``ops-engineer``, ``ops_engineer`` or ``OPS_ENGINEER``."""
        wanted = _normalise(text)
        for role in cls:
            if wanted in (_normalise(role.value), _normalise(role.name)):
                return role
        raise ValueError(text)

    @property
    def uses_console(self) -> bool:
        """Whether users of this role are console (staff) users; portal users are not."""
        return self != Role.PORTAL_USER

    @property
    def slug(self) -> str:
        return self.name.lower().replace("_", "-")


def _normalise(text: str) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


def role_label(group_name: str) -> str:
    """The translated label of a role's group, or the group's own name for other groups."""
    try:
        return str(Role(group_name).label)
    except ValueError:
        return group_name


@dataclass(frozen=True)
class Rule:
    """Permissions matching all three patterns (shell-style; a tuple means any of them).

    ``app`` matches the app label (``targets``) or its module path (``erpkeeper.*`` = every
    ERPKeeper app). ``action`` is the codename without the model suffix: ``view``, ``add``,
    ``change``, ``delete`` or a custom one (``view_any`` in ``view_any_apitoken``).
    """

    app: str | tuple[str, ...] = "*"
    action: str | tuple[str, ...] = "*"
    model: str | tuple[str, ...] = "*"

    def matches(self, perm: PermissionKey) -> bool:
        return (
            _any(self.app, (perm.app_label, perm.app_name))
            and _any(self.action, (perm.action,))
            and _any(self.model, (perm.model,))
        )


def _any(patterns: str | tuple[str, ...], values: Iterable[str]) -> bool:
    patterns = (patterns,) if isinstance(patterns, str) else patterns
    return any(fnmatchcase(value, p) for p in patterns for value in values)


@dataclass(frozen=True)
class RoleRules:
    """A permission belongs to the role when a ``grant`` rule matches and no ``deny`` rule does."""

    grant: tuple[Rule, ...]
    deny: tuple[Rule, ...] = field(default_factory=tuple)

    def allows(self, perm: PermissionKey) -> bool:
        return any(r.matches(perm) for r in self.grant) and not any(
            r.matches(perm) for r in self.deny
        )


@dataclass(frozen=True)
class PermissionKey:
    app_label: str
    app_name: str
    model: str
    codename: str

    @property
    def action(self) -> str:
        suffix = "_" + self.model
        return self.codename[: -len(suffix)] if self.codename.endswith(suffix) else self.codename

    def __str__(self) -> str:
        return f"{self.app_label}.{self.codename}"
