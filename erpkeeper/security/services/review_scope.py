"""What a campaign reviews and who reviews it: the memberships of a snapshot that are in the
campaign's scope (one per user x group given directly, one per user x role), each with its
reviewer (the group's owner, the user's manager in the ERP, or the named reviewer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.security.evaluation import role_valid
from erpkeeper.security.review_models import GroupOwner, ItemVia, ReviewerMode

# Each user's manager: the user of their employee's supervisor (Tryton's company module).
MANAGERS_SQL = (
    "SELECT u.login, su.login, su.email FROM res_user u "
    "JOIN company_employee e ON e.id = u.employee "
    "JOIN company_employee s ON s.id = e.supervisor "
    "JOIN res_user su ON su.employee = s.id AND su.active = %s"
)


@dataclass
class Membership:
    """One reviewable membership of a snapshot."""

    login: str
    user_name: str
    via: str
    group: str = ""
    group_xml_id: str = ""
    role: str = ""
    role_groups: list[str] = field(default_factory=list)
    group_keys: set[str] = field(default_factory=set)  # names and XML ids, lower case


def _keys(group: dict) -> set[str]:
    return {text.lower() for text in (group.get("name"), group.get("xml_id")) if text}


def memberships(document: dict, at: dt.datetime) -> list[Membership]:
    """Every active user's direct groups and valid roles in ``document``."""
    users = {u["id"]: u for u in document.get("users", []) if u["active"] and u["id"] != 0}
    groups = {g["id"]: g for g in document.get("groups", [])}
    roles = {r["id"]: r for r in document.get("roles", [])}
    found: list[Membership] = []
    by_role: dict[tuple[int, int], Membership] = {}
    for row in document.get("memberships", []):
        user, group = users.get(row["user"]), groups.get(row["group"], {})
        if user is None:
            continue
        if row["role"] is None:
            found.append(_direct(user, group))
        elif role_valid(row, at):
            key = (row["user"], row["role"])
            if key not in by_role:
                role = roles.get(row["role"], {"name": str(row["role"])})
                by_role[key] = Membership(user["login"], user.get("name", ""), ItemVia.ROLE)
                by_role[key].role = role["name"]
                found.append(by_role[key])
            by_role[key].role_groups.append(group.get("name", str(row["group"])))
            by_role[key].group_keys |= _keys(group)
    return sorted(found, key=lambda m: (m.login, m.via, m.role, m.group))


def _direct(user: dict, group: dict) -> Membership:
    return Membership(
        user["login"],
        user.get("name", ""),
        ItemVia.DIRECT,
        group=group.get("name", ""),
        group_xml_id=group.get("xml_id") or "",
        group_keys=_keys(group),
    )


def in_scope(campaign, membership: Membership) -> bool:
    """Users: the listed logins (all when none). Groups and roles: with neither listed,
    everything; else a direct group that is listed, and a role that is listed or grants a
    listed group."""
    users = {login.lower() for login in campaign.scope_users}
    if users and membership.login.lower() not in users:
        return False
    groups = {name.lower() for name in campaign.scope_groups}
    roles = {name.lower() for name in campaign.scope_roles}
    if not groups and not roles:
        return True
    if membership.group_keys & groups:
        return True
    return membership.via == ItemVia.ROLE and membership.role.lower() in roles


# -- reviewers ----------------------------------------------------------------------------------


class Reviewers:
    """Picks the reviewer of each membership of one target; the campaign's default reviewer
    when the group has no owner or the user no manager known to ERPKeeper."""

    def __init__(self, campaign, target):
        self.campaign = campaign
        self.default = campaign.default_reviewer
        self.owners: dict[str, object] = {}
        self.managers: dict[str, object] = {}
        if campaign.reviewer_mode == ReviewerMode.GROUP_OWNER:
            for row in GroupOwner.objects.filter(target=target).select_related("owner"):
                if row.owner.is_active and row.owner.is_staff:
                    self.owners[row.group.lower()] = row.owner
        elif campaign.reviewer_mode == ReviewerMode.MANAGER:
            self.managers = erp_managers(target)

    def reviewer_for(self, membership: Membership):
        if self.campaign.reviewer_mode == ReviewerMode.GROUP_OWNER:
            for key in sorted(membership.group_keys):
                if key in self.owners:
                    return self.owners[key]
        elif self.campaign.reviewer_mode == ReviewerMode.MANAGER:
            manager = self.managers.get(membership.login)
            if manager is not None:
                return manager
        return self.default


def erp_managers(target) -> dict[str, object]:
    """ERP login -> the ERPKeeper user who is their manager (the supervisor's ERP login or
    e-mail matched to an ERPKeeper console user); empty where the ERP has no supervisors."""
    found = {}
    for login, manager_login, manager_email in manager_rows(target):
        user = console_user_matching(manager_login, manager_email)
        if user is not None:
            found[login] = user
    return found


def manager_rows(target) -> list[tuple]:
    if target.kind != "tryton":
        return []
    try:
        with BoundedConnection(target.database_url) as conn:
            return conn.rows(MANAGERS_SQL, (True,))
    except (ConnectionFailed, SecretDecryptionError):
        return []


def console_user_matching(login: str, email: str | None):
    query = Q(username__iexact=login)
    if email:
        query |= Q(email__iexact=email)
    users = get_user_model().objects.filter(query, is_active=True, is_staff=True)
    return users.order_by("pk").first()
