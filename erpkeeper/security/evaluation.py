"""Effective access in a snapshot document, evaluated exactly as Tryton 8.2 does. No Django.

The rules replicated (trytond 8.2 source):
* A user's groups are their ``res_user-res_group`` rows plus every ancestor of those groups
  (``res.group.parent`` is "the group to inherit accesses from"); an inactive group grants
  nothing, though its own ancestors still count (res/user.py ``get_groups``,
  ``user_group_all_table``).
* Roles (user_role): the groups of a user's roles valid at the date; the module's sync replaces
  a role-managed user's groups with exactly those, so a direct group of such a user is reported
  as transient.
* Model access (ir/model.py ``ModelAccess.get_access``): start from the model's default (all
  four; singletons read and write; SQL views read). Only active rows whose group is one of the
  user's or empty apply, over the model and the models its access follows (``__access__``);
  if any apply, each permission is the OR of those rows, otherwise the default stays. So a model
  with no row, or with rows only for other groups, is open.
* ``administrator`` users hold every group's rights: no access row is read for them, so they
  keep each model's default (all four, or fewer for singletons and SQL views), and buttons are
  not checked at all.
* A button (model/modelview.py ``button``): read on the model, then membership of one of the
  button's groups when it has any (no write needed), else write on the model.
* A menu is visible when it and each ancestor has no group or one of the user's.

Two ways to ask: for one set of groups (a user, a role, a simulated grant) with the path of each
grant, and for every user at once with set operations (the analysis of 10,000 users).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

ALL_PERMS = "rwcd"
OPERATIONS = {"read": "r", "write": "w", "create": "c", "delete": "d"}


@dataclass(frozen=True)
class GroupPath:
    """Why a user holds ``group``: they hold ``member_of`` (``group`` itself or a descendant
    whose parent chain reaches it) directly or through ``role``."""

    group: int
    member_of: int
    role: int | None = None
    transient: bool = False  # direct on a role-managed user: the next role sync removes it


class Source(NamedTuple):
    """What grants one permission: ``kind`` is "group" (``group`` holds a row or is a button's
    group), "everyone" (a row with no group), "default" (no row applies: Tryton allows),
    "open" (a button or menu without groups) or "administrator". A named tuple, not a frozen
    dataclass: the analysis makes hundreds of thousands, and a tuple is made several times
    faster."""

    kind: str
    model: str = ""
    group: int | None = None


@dataclass
class Holder:
    """A set of groups to evaluate: a user's, a role's, a group's or a simulated one."""

    groups: dict[int, list[GroupPath]] = field(default_factory=dict)
    admin: bool = False
    group_ids: frozenset[int] = field(init=False)
    described: dict = field(default_factory=dict, repr=False)  # paths already written out

    def __post_init__(self):
        self.group_ids = frozenset(self.groups)  # asked for every permission: computed once


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def role_valid(membership: dict, at: dt.datetime) -> bool:
    """user_role's ``valid``: from_date <= at <= to_date, an empty bound is open."""
    start, end = parse_time(membership.get("from")), parse_time(membership.get("to"))
    return (start is None or start <= at) and (end is None or at <= end)


class AccessModel:
    """One snapshot document, indexed for evaluation at the moment ``at`` (default: now)."""

    def __init__(self, document: dict, at: dt.datetime | None = None):
        self.document = document
        self.at = at or dt.datetime.now(dt.UTC)
        self.users = {u["id"]: u for u in document.get("users", [])}
        self.logins = {u["login"]: u["id"] for u in self.users.values()}
        self.groups = {g["id"]: g for g in document.get("groups", [])}
        self.roles = {r["id"]: r for r in document.get("roles", [])}
        self._ancestors = {gid: self._chain(gid) for gid in self.groups}
        self._index_models(document)
        self._index_buttons(document)
        self._index_menus(document)
        self._user_grants = self._grants_by_user(document.get("memberships", []))
        self._holders: dict[int, Holder] = {}
        self._group_users: dict[int, set[int]] | None = None
        self._group_names: dict[str, int] | None = None

    # -- indexes ------------------------------------------------------------------------------

    def _chain(self, group_id: int) -> list[int]:
        chain, seen, current = [], set(), group_id
        while current is not None and current in self.groups and current not in seen:
            seen.add(current)  # a parent cycle must not hang us
            chain.append(current)
            current = self.groups[current].get("parent")
        return chain

    def _index_models(self, document: dict) -> None:
        self.model_names = set(document.get("models", []))
        self._rows: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
        for row in document.get("model_access", []):
            self._rows[row["model"]].append((row["group"], row["perms"]))
            self.model_names.add(row["model"])
        self._parents = document.get("model_parents", {})
        self._defaults = document.get("model_defaults", {})
        self._families: dict[str, list[str]] = {}
        self._family_rows: dict[str, list[tuple[str, int | None, str]]] = {}
        # Who holds a model's rows depends only on the holder's groups among the groups named in
        # those rows: users who share them (a role's members) share the answer.
        self._family_groups: dict[str, frozenset[int]] = {}
        self._sources: dict[tuple, list[Source]] = {}

    def _index_buttons(self, document: dict) -> None:
        self.buttons = {(b["model"], b["name"]): b["id"] for b in document.get("buttons", [])}
        self.button_groups: dict[int, set[int]] = defaultdict(set)
        for button_id, group_id in document.get("button_groups", []):
            self.button_groups[button_id].add(group_id)
        self.button_rules: dict[int, list[dict]] = defaultdict(list)
        for rule in document.get("button_rules", []):
            self.button_rules[rule["button"]].append(rule)

    def _index_menus(self, document: dict) -> None:
        self.menus = {m["id"]: m for m in document.get("menus", [])}
        self.menu_by_path = {m["path"]: m["id"] for m in self.menus.values()}
        self.menu_groups: dict[int, set[int]] = defaultdict(set)
        for menu_id, group_id in document.get("menu_groups", []):
            self.menu_groups[menu_id].add(group_id)

    def _grants_by_user(self, memberships: list[dict]) -> dict[int, list[tuple[int, int | None]]]:
        grants: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
        role_managed = {m["user"] for m in memberships if m["role"] is not None}
        self.role_managed = role_managed
        for membership in memberships:
            if membership["role"] is not None and not role_valid(membership, self.at):
                continue
            grants[membership["user"]].append((membership["group"], membership["role"]))
        return grants

    # -- groups -------------------------------------------------------------------------------

    def holder_for(self, grants, *, admin: bool = False, role_managed: bool = False) -> Holder:
        """Effective groups from ``grants`` = [(group, role or None)], with every path."""
        groups: dict[int, list[GroupPath]] = defaultdict(list)
        for member_of, role in grants:
            transient = role is None and role_managed and not admin
            for group_id in self._ancestors.get(member_of, ()):
                if not self.groups[group_id].get("active", True):
                    continue  # an inactive group grants nothing; its ancestors still do
                path = GroupPath(group_id, member_of, role, transient)
                if path not in groups[group_id]:
                    groups[group_id].append(path)
        return Holder(dict(groups), admin)

    def user_grants(self, user_id: int) -> list[tuple[int, int | None]]:
        """The user's (group, role or None) memberships valid at ``at``."""
        return list(self._user_grants.get(user_id, ()))

    def user_holder(self, user_id: int) -> Holder:
        holder = self._holders.get(user_id)
        if holder is None:
            user = self.users[user_id]
            holder = self.holder_for(
                self._user_grants.get(user_id, ()),
                admin=bool(user.get("admin")),
                role_managed=user_id in self.role_managed,
            )
            self._holders[user_id] = holder
        return holder

    def role_holder(self, role_id: int) -> Holder:
        return self.holder_for((g, role_id) for g in self.roles[role_id].get("groups", ()))

    def group_holder(self, group_id: int) -> Holder:
        return self.holder_for([(group_id, None)])

    # -- one holder ---------------------------------------------------------------------------

    def family(self, model: str) -> list[str]:
        """``model`` and every model its access follows, transitively (Tryton's model2models)."""
        found = self._families.get(model)
        if found is None:
            found, todo = [], [model]
            while todo:
                current = todo.pop()
                if current not in found:
                    found.append(current)
                    todo.extend(self._parents.get(current, ()))
            self._families[model] = found
        return found

    def family_rows(self, model: str) -> list[tuple[str, int | None, str]]:
        """(model, group, perms) of every access row over the model's family."""
        rows = self._family_rows.get(model)
        if rows is None:
            rows = [(m, g, p) for m in self.family(model) for g, p in self._rows.get(m, ())]
            self._family_rows[model] = rows
        return rows

    def default_perms(self, model: str) -> str:
        return self._defaults.get(model, ALL_PERMS)

    def model_sources(self, holder: Holder, model: str, op: str) -> list[Source]:
        """What grants ``op`` ("r", "w", "c" or "d") on ``model``; [] when it is denied."""
        if holder.admin:  # no rule is read for them: the model's default stays
            in_default = op in self.default_perms(model)
            return [Source("administrator", model)] if in_default else []
        named = self._family_groups.get(model)
        if named is None:
            rows = self.family_rows(model)
            named = frozenset(group for _m, group, _p in rows if group is not None)
            self._family_groups[model] = named
        key = (model, op, holder.group_ids & named)
        sources = self._sources.get(key)
        if sources is None:
            sources = self._sources[key] = self._model_sources(key[2], model, op)
        return sources

    def _model_sources(self, groups: frozenset[int], model: str, op: str) -> list[Source]:
        applies, sources = False, []
        for member, group_id, perms in self.family_rows(model):
            if group_id is None or group_id in groups:
                applies = True
                if op in perms:
                    kind = "everyone" if group_id is None else "group"
                    sources.append(Source(kind, member, group_id))
        if not applies:
            return [Source("default", model)] if op in self.default_perms(model) else []
        return sources

    def model_perms(self, holder: Holder, model: str) -> str:
        return "".join(op for op in ALL_PERMS if self.model_sources(holder, model, op))

    def button_sources(self, holder: Holder, model: str, name: str) -> list[Source]:
        if holder.admin:
            return [Source("administrator", model)]
        if not self.model_sources(holder, model, "r"):
            return []
        button_id = self.buttons.get((model, name))
        allowed = self.button_groups.get(button_id, set()) if button_id is not None else set()
        if allowed:
            return [Source("group", model, g) for g in sorted(allowed & holder.group_ids)]
        return self.model_sources(holder, model, "w")

    def menu_sources(self, holder: Holder, menu_id: int) -> list[Source]:
        if holder.admin:
            return [Source("administrator")]
        sources, current, seen = [], menu_id, set()
        while current is not None and current in self.menus and current not in seen:
            seen.add(current)
            allowed = self.menu_groups.get(current)
            if allowed:
                mine = sorted(allowed & holder.group_ids)
                if not mine:
                    return []
                sources.extend(Source("group", group=g) for g in mine)
            current = self.menus[current].get("parent")
        return sources or [Source("open")]

    def group_sources(self, holder: Holder, group_id: int) -> list[Source]:
        if holder.admin:
            return [Source("administrator")]
        return [Source("group", group=group_id)] if group_id in holder.groups else []

    # -- every user at once -------------------------------------------------------------------

    def active_users(self) -> list[int]:
        return [uid for uid, u in self.users.items() if u.get("active", True)]

    def evaluated_users(self) -> set[int]:
        """Active users who are not administrators (those hold everything: reported apart)."""
        return {uid for uid in self.active_users() if not self.users[uid].get("admin")}

    def group_users(self) -> dict[int, set[int]]:
        """Group -> the evaluated users holding it (with ancestors, without inactive groups)."""
        if self._group_users is None:
            index: dict[int, set[int]] = defaultdict(set)
            for uid in self.evaluated_users():
                for group_id in self.user_holder(uid).groups:
                    index[group_id].add(uid)
            self._group_users = index
        return self._group_users

    def _users_of(self, group_ids) -> set[int]:
        index = self.group_users()
        found: set[int] = set()
        for group_id in group_ids:
            found |= index.get(group_id, set())
        return found

    def model_holders(self, model: str, op: str) -> set[int]:
        """Evaluated users allowed ``op`` on ``model``: the set form of ``model_sources``."""
        everyone = self.evaluated_users()
        with_rows, granting, null_rows, null_grants = set(), set(), False, False
        for member in self.family(model):
            for group_id, perms in self._rows.get(member, ()):
                if group_id is None:
                    null_rows = True
                    null_grants = null_grants or op in perms
                else:
                    with_rows.add(group_id)
                    if op in perms:
                        granting.add(group_id)
        if null_grants:
            return set(everyone)
        allowed = self._users_of(granting)
        if not null_rows and op in self.default_perms(model):
            allowed |= everyone - self._users_of(with_rows)  # no row applies: default allow
        return allowed

    def button_holders(self, model: str, name: str) -> set[int]:
        readers = self.model_holders(model, "r")
        button_id = self.buttons.get((model, name))
        allowed = self.button_groups.get(button_id, set()) if button_id is not None else set()
        if allowed:
            return readers & self._users_of(allowed)
        return readers & self.model_holders(model, "w")

    def menu_holders(self, menu_id: int) -> set[int]:
        allowed, current, seen = set(self.evaluated_users()), menu_id, set()
        while current is not None and current in self.menus and current not in seen:
            seen.add(current)
            groups = self.menu_groups.get(current)
            if groups:
                allowed &= self._users_of(groups)
            current = self.menus[current].get("parent")
        return allowed

    def group_holders(self, group_id: int) -> set[int]:
        return set(self.group_users().get(group_id, set()))

    # -- naming -------------------------------------------------------------------------------

    def group_name(self, group_id: int | None) -> str:
        group = self.groups.get(group_id) if group_id is not None else None
        return group["name"] if group else f"#{group_id}"

    def role_name(self, role_id: int | None) -> str:
        role = self.roles.get(role_id) if role_id is not None else None
        return role["name"] if role else f"#{role_id}"

    def find_group(self, name: str) -> int | None:
        """A group by XML id ("account.group_account"), name or id."""
        if self._group_names is None:
            index: dict[str, int] = {}
            for group in sorted(self.groups.values(), key=lambda g: g["id"], reverse=True):
                for key in (str(group["id"]), group["name"], group.get("xml_id")):
                    if key:
                        index[key] = group["id"]  # the lowest id wins a shared name
            self._group_names = index
        return self._group_names.get(name)

    def find_role(self, name: str) -> int | None:
        for role in self.roles.values():
            if name in (role["name"], str(role["id"])):
                return role["id"]
        return None
