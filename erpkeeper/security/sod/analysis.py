"""SoD analysis of one snapshot: which users, roles and groups hold conflicting functions,
through which grants, and which risks a grant would add. No Django.

    access = AccessModel(document)
    result = analyse(ruleset, access)      # conflicts, administrators, roles, groups, matrix
    simulate(ruleset, access, "mallory", add_group="account.group_account")

Holders of a permission are computed for all users at once with set operations (evaluation.py),
so 10,000 users cost a few unions per permission; the path of each side (which group, reached
through which role or parent) is worked out only for the users in conflict. Administrators hold
everything: each is one line with the risks they could perform, not hundreds of conflicts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from erpkeeper.lib.i18n import gettext
from erpkeeper.security.evaluation import OPERATIONS, AccessModel, Holder, Source
from erpkeeper.security.sod.rules import SEVERITIES, Function, Permission, Risk, RuleSet

APPROVAL_USERS = 2  # an ir.model.button.rule needing this many users is a built-in mitigation


@dataclass(frozen=True)
class Resolved:
    """A rule set's permissions matched to this ERP; what it lacks, one message per function."""

    functions: dict[str, list[Permission]]  # applicable permissions of applicable functions
    risks: list[Risk]  # risks with enough applicable functions
    not_applicable: list[str]


@dataclass
class Grant:
    """One permission a holder has, and the path: groups (with role or parent) or a reason."""

    permission: str
    via: list[dict]
    gated: bool = False  # a button behind an approval of two or more users


@dataclass
class Side:
    function: str
    grants: list[Grant]
    gated: bool = False  # every grant behind an approval (worked out once, in holder_side)


@dataclass
class Conflict:
    risk: str
    severity: str
    process: str
    sides: list[Side]
    user_id: int | None = None
    login: str = ""
    name: str = ""
    mitigation: str = ""  # the built-in approval rule that lowers the severity
    status: str = "open"  # open | mitigated | accepted (set by the services from controls)
    note: str = ""

    @property
    def effective_severity(self) -> str:
        if not self.mitigation:
            return self.severity
        return SEVERITIES[max(SEVERITIES.index(self.severity) - 1, 0)]


@dataclass
class EntityConflict:
    kind: str  # role | group
    id: int
    name: str
    conflicts: list[Conflict]


@dataclass
class AdminExposure:
    user_id: int
    login: str
    name: str
    risks: list[str]


@dataclass
class Analysis:
    ruleset: str
    version: int
    not_applicable: list[str]
    risks: list[Risk]
    conflicts: list[Conflict] = field(default_factory=list)
    administrators: list[AdminExposure] = field(default_factory=list)
    roles: list[EntityConflict] = field(default_factory=list)
    groups: list[EntityConflict] = field(default_factory=list)

    def by_severity(self) -> dict[str, int]:
        counts = Counter(c.effective_severity for c in self.conflicts)
        return {severity: counts.get(severity, 0) for severity in SEVERITIES}

    def by_process(self) -> dict[str, int]:
        return dict(sorted(Counter(c.process for c in self.conflicts).items()))

    def matrix(self) -> dict[str, dict[str, str]]:
        """login -> {risk id: effective severity} for users with at least one conflict."""
        rows: dict[str, dict[str, str]] = {}
        for conflict in self.conflicts:
            rows.setdefault(conflict.login, {})[conflict.risk] = conflict.effective_severity
        return rows

    def users_in_conflict(self) -> int:
        return len({c.user_id for c in self.conflicts})


# -- matching the rule set to the ERP -----------------------------------------------------------


def resolve(ruleset: RuleSet, access: AccessModel) -> Resolved:
    functions: dict[str, list[Permission]] = {}
    messages = []
    for function in ruleset.functions.values():
        present, missing = _split_known(function, access)
        if missing:
            text = (
                gettext("function %(id)s: partly applicable: this ERP has no %(missing)s")
                if present
                else gettext("function %(id)s: not applicable here: this ERP has no %(missing)s")
            )
            messages.append(text % {"id": function.id, "missing": ", ".join(missing)})
        if present:
            functions[function.id] = present
    risks = []
    for risk in ruleset.risks.values():
        applicable = [f for f in risk.functions if f in functions]
        if len(applicable) >= risk.min_functions:
            risks.append(risk)
        else:
            lacking = [f for f in risk.functions if f not in functions]
            text = gettext(
                "risk %(id)s: not applicable here: functions %(functions)s are not applicable"
            )
            messages.append(text % {"id": risk.id, "functions": ", ".join(lacking)})
    return Resolved(functions, risks, messages)


def _split_known(function: Function, access: AccessModel) -> tuple[list[Permission], list[str]]:
    present, missing = [], []
    for permission in function.permissions:
        lack = _what_is_missing(permission, access)
        if lack:
            if lack not in missing:
                missing.append(lack)
        else:
            present.append(permission)
    return present, missing


def _what_is_missing(permission: Permission, access: AccessModel) -> str:
    if permission.kind in ("model", "button") and permission.model not in access.model_names:
        return f"model {permission.model}"
    if permission.kind == "button" and (permission.model, permission.button) not in access.buttons:
        return f"button {permission.model} ▸ {permission.button}"
    if permission.kind == "menu" and permission.menu not in access.menu_by_path:
        return f"menu {permission.menu!r}"
    if permission.kind == "group" and access.find_group(permission.group) is None:
        return f"group {permission.group}"
    return ""


# -- one holder (a user, a role, a group, a simulated grant) ------------------------------------


def permission_sources(access: AccessModel, holder: Holder, permission: Permission) -> list:
    if permission.kind == "model":
        return access.model_sources(holder, permission.model, OPERATIONS[permission.operation])
    if permission.kind == "button":
        return access.button_sources(holder, permission.model, permission.button)
    if permission.kind == "menu":
        return access.menu_sources(holder, access.menu_by_path[permission.menu])
    return access.group_sources(holder, access.find_group(permission.group))


def describe_source(access: AccessModel, holder: Holder, source: Source) -> list[dict]:
    """The path of one source as plain data: a group's every way in, or the reason."""
    if source.kind != "group":
        return [{"reason": source.kind, "model": source.model}]
    known = holder.described.get(source.group)
    if known is not None:
        return known
    paths = []
    for path in holder.groups.get(source.group, ()):
        step = {"group": access.group_name(path.group)}
        if path.member_of != path.group:
            step["inherited_from"] = access.group_name(path.member_of)
        if path.role is not None:
            step["role"] = access.role_name(path.role)
        if path.transient:
            step["transient"] = True
        paths.append(step)
    holder.described[source.group] = paths or [{"group": access.group_name(source.group)}]
    return holder.described[source.group]


def _gated(access: AccessModel, permission: Permission) -> bool:
    if permission.kind != "button" or not access.button_rules:
        return False
    button_id = access.buttons.get((permission.model, permission.button))
    return any(
        rule["number_user"] >= APPROVAL_USERS for rule in access.button_rules.get(button_id, ())
    )


def holder_side(access, holder, function_id: str, permissions: list[Permission]) -> Side | None:
    grants, every_grant_gated = [], True
    for permission in permissions:
        sources = permission_sources(access, holder, permission)
        if sources:
            via = [step for s in sources for step in describe_source(access, holder, s)]
            gated = _gated(access, permission)
            every_grant_gated = every_grant_gated and gated
            grants.append(Grant(permission.label, via, gated))
    return Side(function_id, grants, every_grant_gated) if grants else None


def holder_conflicts(access: AccessModel, resolved: Resolved, holder: Holder) -> list[Conflict]:
    """Every risk ``holder`` could perform, with the path of each side."""
    sides = {}
    for function_id, permissions in resolved.functions.items():
        side = holder_side(access, holder, function_id, permissions)
        if side is not None:
            sides[function_id] = side
    conflicts = []
    for risk in resolved.risks:
        held = [sides[f] for f in risk.functions if f in sides]
        if len(held) >= risk.min_functions:
            conflicts.append(_conflict(access, risk, held))
    return conflicts


def _conflict(access: AccessModel, risk: Risk, sides: list[Side]) -> Conflict:
    conflict = Conflict(risk.id, risk.severity, risk.process, sides)
    gated = [side for side in sides if side.gated]
    if gated:
        conflict.mitigation = "approval by two or more users on " + ", ".join(
            grant.permission for side in gated for grant in side.grants
        )
    return conflict


# -- every user ---------------------------------------------------------------------------------


def permission_holders(access: AccessModel, permission: Permission) -> set[int]:
    if permission.kind == "model":
        return access.model_holders(permission.model, OPERATIONS[permission.operation])
    if permission.kind == "button":
        return access.button_holders(permission.model, permission.button)
    if permission.kind == "menu":
        return access.menu_holders(access.menu_by_path[permission.menu])
    return access.group_holders(access.find_group(permission.group))


def function_holders(access: AccessModel, resolved: Resolved) -> dict[str, set[int]]:
    holders: dict[str, set[int]] = {}
    cache: dict[Permission, set[int]] = {}
    for function_id, permissions in resolved.functions.items():
        users: set[int] = set()
        for permission in permissions:
            if permission not in cache:
                cache[permission] = permission_holders(access, permission)
            users |= cache[permission]
        holders[function_id] = users
    return holders


def risk_users(risk: Risk, holders: dict[str, set[int]]) -> set[int]:
    sets = [holders[f] for f in risk.functions if f in holders]
    if risk.min_functions >= len(sets):
        return set.intersection(*sets) if sets else set()
    counts = Counter(uid for users in sets for uid in users)
    return {uid for uid, count in counts.items() if count >= risk.min_functions}


def analyse(
    ruleset: RuleSet, access: AccessModel, *, with_paths: bool = True, entities: bool = True
) -> Analysis:
    """Conflicts of every active user (administrators apart), of every role and group."""
    resolved = resolve(ruleset, access)
    result = Analysis(ruleset.name, ruleset.version, resolved.not_applicable, resolved.risks)
    holders = function_holders(access, resolved)
    sides: dict[tuple[int, str], Side | None] = {}  # a user's side of a function, once
    for risk in resolved.risks:
        for user_id in sorted(risk_users(risk, holders)):
            result.conflicts.append(
                _user_conflict(access, resolved, risk, user_id, sides if with_paths else None)
            )
    result.administrators = administrators(access, resolved)
    if entities:
        result.roles = [
            EntityConflict("role", rid, role["name"], found)
            for rid, role in sorted(access.roles.items())
            if (found := holder_conflicts(access, resolved, access.role_holder(rid)))
        ]
        result.groups = [
            EntityConflict("group", gid, group["name"], found)
            for gid, group in sorted(access.groups.items())
            if group.get("active", True)
            and (found := holder_conflicts(access, resolved, access.group_holder(gid)))
        ]
    return result


def _user_conflict(access, resolved, risk: Risk, user_id: int, sides: dict | None) -> Conflict:
    user = access.users[user_id]
    if sides is not None:
        held = []
        for function_id in risk.functions:
            if function_id not in resolved.functions:
                continue
            key = (user_id, function_id)
            if key not in sides:
                holder = access.user_holder(user_id)
                permissions = resolved.functions[function_id]
                sides[key] = holder_side(access, holder, function_id, permissions)
            if sides[key] is not None:
                held.append(sides[key])
        conflict = _conflict(access, risk, held)
    else:
        conflict = Conflict(risk.id, risk.severity, risk.process, [])
    conflict.user_id, conflict.login, conflict.name = user_id, user["login"], user["name"]
    return conflict


def administrators(access: AccessModel, resolved: Resolved) -> list[AdminExposure]:
    every_risk = [risk.id for risk in resolved.risks]
    return [
        AdminExposure(uid, user["login"], user["name"], every_risk)
        for uid, user in sorted(access.users.items())
        if user.get("admin") and user.get("active", True)
    ]


# -- what a grant would add ---------------------------------------------------------------------


class UnknownName(LookupError):
    pass


def simulate(
    ruleset: RuleSet,
    access: AccessModel,
    login: str,
    *,
    add_group: str = "",
    add_role: str = "",
) -> dict:
    """The risks ``login`` would newly hold with the group or role added (evaluated on this
    snapshot; nothing is written anywhere)."""
    user_id = access.logins.get(login)
    if user_id is None:
        raise UnknownName(f"no ERP user with login {login!r} in this snapshot")
    grants = access.user_grants(user_id)
    if add_group:
        group_id = access.find_group(add_group)
        if group_id is None:
            raise UnknownName(f"no group {add_group!r} in this snapshot")
        grants.append((group_id, None))
    if add_role:
        role_id = access.find_role(add_role)
        if role_id is None:
            raise UnknownName(f"no role {add_role!r} in this snapshot")
        grants.extend((g, role_id) for g in access.roles[role_id].get("groups", ()))
    user = access.users[user_id]
    resolved = resolve(ruleset, access)
    before = holder_conflicts(access, resolved, access.user_holder(user_id))
    after_holder = access.holder_for(grants, admin=bool(user.get("admin")))
    after = holder_conflicts(access, resolved, after_holder)
    known = {c.risk for c in before}
    for conflict in after:
        conflict.user_id, conflict.login, conflict.name = user_id, login, user["name"]
    return {
        "login": login,
        "administrator": bool(user.get("admin")),
        "add_group": add_group,
        "add_role": add_role,
        "existing": sorted(known),
        "introduced": [c for c in after if c.risk not in known],
        "not_applicable": resolved.not_applicable,
    }
