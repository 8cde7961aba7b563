"""Risky ERP accounts, from a target's latest snapshot and ERPKeeper's own login history
(issue 12 section 3): dormant, never logged in, administrators beyond the limit, generic or
shared logins, active after the linked employee left, keeping the groups of an expired role.

Computed after every snapshot; each one is a Finding, fixed when a later snapshot no longer
shows it."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.security.evaluation import parse_time, role_valid
from erpkeeper.security.models import (
    ACCOUNT_KINDS,
    FindingKind,
    FindingSeverity,
    LoginSighting,
)
from erpkeeper.security.services.findings import Found, expire_acceptances, reconcile

# A user's employees: the current one and every one of the many2many (Tryton company module).
EMPLOYEES_SQL = (
    "SELECT u.login, e.end_date FROM res_user u JOIN company_employee e ON e.id = u.employee "
    "UNION SELECT u.login, e.end_date FROM res_user u "
    'JOIN "res_user-company_employee" ue ON ue."user" = u.id '
    "JOIN company_employee e ON e.id = ue.employee"
)


def review_accounts(snapshot, document: dict, *, employees=None) -> dict:
    """Find the risky accounts of ``snapshot``'s target and reconcile its findings; returns
    counts per kind and the notes of what could not be checked here."""
    target = snapshot.target
    now = timezone.now()
    if employees is None:
        employees = employee_end_dates(target)
    notes = []
    if employees is None:
        notes.append(_("Employees' end dates: not available here (no company.employee)."))
    active = [u for u in document.get("users", []) if u["active"] and u["id"] != 0]
    found = (
        login_findings(active, last_logins(target), now)
        + administrator_findings(active)
        + generic_findings(active)
        + employee_findings(active, employees or {}, now.date())
        + expired_role_findings(document, now)
    )
    expire_acceptances(target)
    reconcile(target, ACCOUNT_KINDS, found)
    counts: dict[str, int] = {}
    for item in found:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return {"counts": counts, "notes": notes}


def last_logins(target) -> dict[str, dt.datetime]:
    """login -> the latest sign-in in ERPKeeper's login history (kept past Tryton's 30 days)."""
    rows = (
        LoginSighting.objects.filter(target=target).values("login").annotate(last=Max("last_seen"))
    )
    return {row["login"]: row["last"] for row in rows}


def login_findings(users: list[dict], logins: dict, now: dt.datetime) -> list[Found]:
    """Dormant (last sign-in older than the setting) and never signed in."""
    days = settings.SECURITY_DORMANT_DAYS
    limit = now - dt.timedelta(days=days)
    found = []
    for user in users:
        last = logins.get(user["login"])
        severity = FindingSeverity.HIGH if user["admin"] else FindingSeverity.MEDIUM
        if last is None:
            created = parse_time(user.get("created"))
            detail = _("No sign-in seen since the account was created (%(created)s).") % {
                "created": created.date().isoformat() if created else "?"
            }
            found.append(Found(FindingKind.NEVER_LOGGED_IN, severity, user["login"], detail))
        elif last < limit:
            detail = _("Last sign-in %(last)s, more than %(days)d days ago.") % {
                "last": last.date().isoformat(),
                "days": days,
            }
            found.append(Found(FindingKind.DORMANT, severity, user["login"], detail))
    return found


def administrator_findings(users: list[dict]) -> list[Found]:
    admins = sorted(u["login"] for u in users if u["admin"])
    allowed = settings.SECURITY_MAX_ADMINISTRATORS
    if len(admins) <= allowed:
        return []
    detail = _("%(count)d active administrators (at most %(allowed)d expected): %(logins)s") % {
        "count": len(admins),
        "allowed": allowed,
        "logins": ", ".join(admins),
    }
    return [Found(FindingKind.EXCESS_ADMINISTRATOR, FindingSeverity.HIGH, "", detail)]


def generic_patterns() -> list[re.Pattern]:
    patterns = []
    for text in settings.SECURITY_GENERIC_LOGINS:
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error:  # a bad pattern in the setting is skipped, the rest still apply
            continue
    return patterns


def generic_findings(users: list[dict]) -> list[Found]:
    patterns = generic_patterns()
    found = []
    for user in users:
        matched = next((p.pattern for p in patterns if p.fullmatch(user["login"])), None)
        if matched is None:
            continue
        detail = _("The login matches the generic or shared pattern %(pattern)s.") % {
            "pattern": matched
        }
        severity = FindingSeverity.HIGH if user["admin"] else FindingSeverity.MEDIUM
        found.append(Found(FindingKind.GENERIC_LOGIN, severity, user["login"], detail))
    return found


def employee_findings(users: list[dict], employees: dict, today: dt.date) -> list[Found]:
    """Active accounts whose every linked employee has an end date in the past."""
    found = []
    for user in users:
        ends = employees.get(user["login"])
        if not ends or None in ends or max(ends) >= today:
            continue
        detail = _("The linked employee left on %(date)s; the account is still active.") % {
            "date": max(ends).isoformat()
        }
        found.append(Found(FindingKind.EMPLOYEE_LEFT, FindingSeverity.HIGH, user["login"], detail))
    return found


def expired_role_findings(document: dict, now: dt.datetime) -> list[Found]:
    """Groups a user still holds directly that came from a role whose validity has ended
    (Tryton's role sync should have removed them) and that no valid role grants."""
    logins = {u["id"]: u["login"] for u in document.get("users", []) if u["active"]}
    groups = {g["id"]: g["name"] for g in document.get("groups", [])}
    direct, valid, expired = set(), set(), {}
    for m in document.get("memberships", []):
        key = (m["user"], m["group"])
        if m["role"] is None:
            direct.add(key)
        elif role_valid(m, now):
            valid.add(key)
        elif (end := parse_time(m["to"])) is not None and end < now:
            expired[key] = end
    kept: dict[int, list[str]] = {}
    for key in sorted(set(expired) & direct - valid):
        kept.setdefault(key[0], []).append(groups.get(key[1], str(key[1])))
    return [
        Found(
            FindingKind.EXPIRED_ROLE_GROUPS,
            FindingSeverity.MEDIUM,
            logins[user],
            _("Keeps %(groups)s after the role granting them expired.")
            % {"groups": ", ".join(names)},
        )
        for user, names in kept.items()
        if user in logins
    ]


def employee_end_dates(target) -> dict[str, list[dt.date | None]] | None:
    """login -> end dates of the linked employees; None where the ERP has no employees (or
    they cannot be read). Read-only, under a statement timeout."""
    if target.kind != "tryton":
        return None
    try:
        with BoundedConnection(target.database_url) as conn:
            rows = conn.rows(EMPLOYEES_SQL)
    except (ConnectionFailed, SecretDecryptionError):
        return None
    found: dict[str, list[dt.date | None]] = {}
    for login, end in rows:
        found.setdefault(login, []).append(_as_date(end))
    return found


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
