"""Roles: seven fixed Django groups whose permissions are derived from rules, never listed by hand.

A rule names permissions by pattern: an app (label or module path), an action and a model.
Because the patterns are evaluated against whatever permissions exist, a model added later by a
new app (``backups``, ``servicedesk`` ...) is picked up by ``sync_role_permissions()``, which runs
after every ``migrate`` (post_migrate) and in the seeding migration. The rules are the single
source of truth: a permission added to a role by hand in the console is removed by the next sync.

Group names in the database are stable English (``Role`` values); the console shows
``Role(name).label``, which is translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "Administrator", _("Administrator")
    OPS_ENGINEER = "Ops engineer", _("Ops engineer")
    DBA = "DBA", _("DBA")
    SECURITY_AUDITOR = "Security auditor", _("Security auditor")
    HELPDESK_AGENT = "Helpdesk agent", _("Helpdesk agent")
    MANAGER = "Manager", _("Manager")
    VIEWER = "Viewer", _("Viewer")

    @classmethod
    def parse(cls, text: str) -> Role:
        """Accept ``Ops engineer``, ``ops-engineer``, ``ops_engineer`` or ``OPS_ENGINEER``."""
        wanted = _normalise(text)
        for role in cls:
            if wanted in (_normalise(role.value), _normalise(role.name)):
                return role
        raise ValueError(text)

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


# Every read-only view of ERPKeeper's own apps...
VIEW_ALL = Rule(app="erpkeeper.*", action="view")
# ...except what only some roles may read: the audit trail and stored secrets. Other people's
# tokens and the user list are not ``view_*`` of ERPKeeper apps (``view_any_apitoken`` is its
# own action; users are ``auth``), so VIEW_ALL never reaches them.
SENSITIVE = Rule(model=("auditentry", "*secret*", "*credential*"))
# Everyone may hold API tokens: see, create and revoke their own (the console and the API only
# ever show a user's own tokens unless they also have view_any_apitoken).
OWN_TOKENS = Rule(app="accounts", action=("view", "add", "change"), model="apitoken")
JOBS_RUN = Rule(app="core", action=("add", "change"), model="job")  # change = cancel / retry

ROLE_RULES: dict[Role, RoleRules] = {
    Role.ADMINISTRATOR: RoleRules(grant=(Rule(),)),
    Role.OPS_ENGINEER: RoleRules(
        grant=(
            VIEW_ALL,
            OWN_TOKENS,
            Rule(
                app=(
                    "targets",
                    "backups",
                    "monitoring",
                    "alerts",
                    "notifications",
                    "changes",
                    "assets",
                )
            ),
            Rule(app="core", action=("add", "change", "delete"), model="job"),
            Rule(app="core", action="change", model="outboxmessage"),  # resolve notifications
        ),
        deny=(SENSITIVE,),
    ),
    Role.DBA: RoleRules(
        grant=(
            VIEW_ALL,
            OWN_TOKENS,
            JOBS_RUN,
            Rule(app="targets", action="change", model="target"),
            Rule(app=("performance", "backups"), action=("view", "add", "change", "restore*")),
        ),
        deny=(SENSITIVE,),
    ),
    Role.SECURITY_AUDITOR: RoleRules(
        grant=(
            VIEW_ALL,
            OWN_TOKENS,
            Rule(app="core", model="auditentry"),  # view, plus custom ones such as verifying
            Rule(app="auth", action="view", model=("user", "group", "permission")),
            Rule(app="accounts", action="view_any", model="apitoken"),
            Rule(app="axes", action="view"),  # who was locked out, from where
            Rule(app=("security", "governance")),
        ),
        # Nobody edits the audit trail; secrets stay with the administrators.
        deny=(
            Rule(app="core", action=("add", "change", "delete"), model="auditentry"),
            Rule(model=("*secret*", "*credential*")),
        ),
    ),
    Role.HELPDESK_AGENT: RoleRules(
        grant=(
            OWN_TOKENS,
            Rule(app="targets", action="view"),
            Rule(app="core", action="view", model="job"),
            Rule(app=("servicedesk", "knowledge")),
        ),
        deny=(SENSITIVE,),
    ),
    Role.MANAGER: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
    Role.VIEWER: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
}


def permission_keys(permissions, app_names: dict[str, str] | None = None):
    """Pair each Permission row with its ``PermissionKey`` (for matching rules)."""
    names = app_names if app_names is not None else _app_names()
    for perm in permissions:
        label = perm.content_type.app_label
        key = PermissionKey(label, names.get(label, label), perm.content_type.model, perm.codename)
        yield perm, key


def _app_names() -> dict[str, str]:
    # Module paths come from the live registry even inside a migration (historical app stubs
    # only know their labels).
    return {config.label: config.name for config in global_apps.get_app_configs()}


def role_permissions(role: Role, permissions) -> list:
    """The Permission rows (out of ``permissions``) that ``role``'s rules grant."""
    rules = ROLE_RULES[Role(role)]
    return [perm for perm, key in permission_keys(permissions) if rules.allows(key)]


def sync_role_permissions(using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> dict[str, int]:
    """Create the role groups if missing and set each one's permissions to what its rules grant.

    Idempotent. ``apps`` may be a migration's historical registry. Returns {role: count}.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.using(using).select_related("content_type"))
    counts = {}
    with transaction.atomic(using=using):
        for role in Role:
            group, _created = Group.objects.using(using).get_or_create(name=role.value)
            wanted = role_permissions(role, permissions)
            group.permissions.set(wanted)
            counts[role.value] = len(wanted)
    return counts


def ensure_all_permissions(using: str = DEFAULT_DB_ALIAS, apps=global_apps) -> None:
    """Create the permission rows of every installed app (normally done app by app after
    ``migrate``), so one sync sees them all whatever the order of the apps."""
    from django.contrib.auth.management import create_permissions

    for config in global_apps.get_app_configs():
        if config.models_module is not None:
            create_permissions(config, verbosity=0, interactive=False, using=using, apps=apps)


def sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """post_migrate receiver (connected in AccountsConfig.ready)."""
    try:
        apps.get_model("auth", "Group")
        apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated (e.g. ``migrate auth zero``)
        return
    ensure_all_permissions(using=using, apps=apps)
    sync_role_permissions(using=using, apps=apps)
