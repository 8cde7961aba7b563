"""Roles: eight fixed Django groups whose permissions are derived from rules, never listed by hand.

A rule names permissions by pattern: an app (label or module path), an action and a model.
Each app declares its own grants on its AppConfig (``role_rules``, see erpkeeper.lib.plugins);
because the patterns are evaluated against whatever permissions exist, a model added later by a
new app is picked up by ``sync_role_permissions()``, which runs
after every ``migrate`` (post_migrate) and in the seeding migration. The rules are the single
source of truth: a permission added to a role by hand in the console is removed by the next sync.

Group names in the database are stable English (``Role`` values); the console shows
``Role(name).label``, which is translated.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS, transaction

from erpkeeper.lib.plugins import erpkeeper_apps
from erpkeeper.lib.roles import PermissionKey, Role, RoleRules, Rule, role_label

__all__ = ["PermissionKey", "Role", "RoleRules", "Rule", "role_label", "role_rules"]


# Every read-only view of ERPKeeper's own apps...
VIEW_ALL = Rule(app="erpkeeper.*", action="view")
# ...except what only some roles may read: the audit trail, everybody's sign-ins (who works
# when, from where) and stored secrets. Other people's tokens and the user list are not
# ``view_*`` of ERPKeeper apps (``view_any_apitoken`` is its own action; users are ``auth``), so
# VIEW_ALL never reaches them. Everyone sees their own sign-ins on their account page.
SENSITIVE = Rule(model=("auditentry", "loginrecord", "*secret*", "*credential*"))
# Everyone may hold API tokens: see, create and revoke their own (the console and the API only
# ever show a user's own tokens unless they also have view_any_apitoken).
OWN_TOKENS = Rule(app="accounts", action=("view", "add", "change"), model="apitoken")

# The platform-wide part of each role; each app adds its own grants on its AppConfig
# (``role_rules``), so a new app brings its rules with it. Denials stay here: they protect
# what no app may hand out (the audit trail's integrity, stored secrets).
BASE_RULES: dict[Role, RoleRules] = {
    Role.ADMINISTRATOR: RoleRules(grant=(Rule(),)),
    Role.OPS_ENGINEER: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
    Role.DBA: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
    Role.SECURITY_AUDITOR: RoleRules(
        grant=(
            VIEW_ALL,
            OWN_TOKENS,
            Rule(app="auth", action="view", model=("user", "group", "permission")),
            Rule(app="accounts", action="view_any", model="apitoken"),
            Rule(app="axes", action="view"),  # who was locked out, from where
        ),
        # Nobody edits the audit trail; secrets stay with the administrators.
        deny=(
            Rule(app="core", action=("add", "change", "delete"), model="auditentry"),
            Rule(model=("*secret*", "*credential*")),
        ),
    ),
    Role.HELPDESK_AGENT: RoleRules(grant=(OWN_TOKENS,), deny=(SENSITIVE,)),
    Role.MANAGER: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
    Role.VIEWER: RoleRules(grant=(VIEW_ALL, OWN_TOKENS), deny=(SENSITIVE,)),
    # Nothing at all: the portal checks that a ticket is theirs, not model permissions, and
    # without any permission the console and the API have nothing to show them (not even
    # tokens: the portal is a browser's, signed in with a password).
    Role.PORTAL_USER: RoleRules(grant=(), deny=(Rule(),)),
}


def role_rules() -> dict[Role, RoleRules]:
    """Each role's rules: the base above plus every app's declared grants and denials (an app
    may take back what the base grants, e.g. VIEW_ALL on its personal data)."""
    merged = {}
    for role, base in BASE_RULES.items():
        declared = [_as_role_rules(config.role_rules.get(role, ())) for config in erpkeeper_apps()]
        grants = [rule for rules in declared for rule in rules.grant]
        denials = [rule for rules in declared for rule in rules.deny]
        merged[role] = RoleRules(grant=(*base.grant, *grants), deny=(*base.deny, *denials))
    return merged


def _as_role_rules(declared) -> RoleRules:
    return declared if isinstance(declared, RoleRules) else RoleRules(grant=tuple(declared))


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
    rules = role_rules()[Role(role)]
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
