"""Reading the snapshots: the latest one, a conflict report, the difference between two, the
trend, and what a grant would add (simulation on the latest snapshot; nothing is written)."""

from __future__ import annotations

from collections import Counter

from django.utils.translation import gettext as _

from erpkeeper.core.runs import RunStatus
from erpkeeper.security.diff import diff_documents
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.security.services.conflicts import NoRuleSet, access_model, analysis_for
from erpkeeper.security.services.rulesets import active_ruleset
from erpkeeper.security.services.snapshots import latest_succeeded
from erpkeeper.security.sod.analysis import Conflict, UnknownName, simulate
from erpkeeper.security.sod.rules import SEVERITIES

__all__ = [
    "NoRuleSet",
    "SnapshotMissing",
    "UnknownName",
    "analysis_for",
    "conflict_data",
    "conflicts_report",
    "diff_snapshots",
    "latest_snapshot",
    "simulate_grant",
    "trend",
]


class SnapshotMissing(LookupError):
    pass


def latest_snapshot(target) -> AccessSnapshot:
    snapshot = latest_succeeded(target)
    if snapshot is None:
        raise SnapshotMissing(
            _("%(target)s has no access snapshot yet: take one first") % {"target": target.name}
        )
    return snapshot


def conflict_data(conflict: Conflict) -> dict:
    return {
        "login": conflict.login,
        "name": conflict.name,
        "risk": conflict.risk,
        "severity": conflict.effective_severity,
        "rule_severity": conflict.severity,
        "process": conflict.process,
        "status": conflict.status,
        "mitigation": conflict.mitigation,
        "note": conflict.note,
        "sides": [
            {
                "function": side.function,
                "grants": [{"permission": g.permission, "via": g.via} for g in side.grants],
            }
            for side in conflict.sides
        ],
    }


def conflicts_report(snapshot, *, login: str = "", entities: bool = True) -> dict:
    """Everything the console, the API and the CLI show about one snapshot's conflicts."""
    result = analysis_for(snapshot, entities=entities)
    conflicts = [c for c in result.conflicts if not login or c.login == login]
    return {
        "snapshot": snapshot.pk,
        "target": snapshot.target_name,
        "taken": snapshot.started.isoformat(),
        "ruleset": f"{result.ruleset} v{result.version}",
        "not_applicable": result.not_applicable,
        "by_severity": {
            s: sum(1 for c in conflicts if c.effective_severity == s) for s in SEVERITIES
        },
        "by_process": dict(sorted(Counter(c.process for c in conflicts).items())),
        "conflicts": [conflict_data(c) for c in conflicts],
        "administrators": [
            {"login": a.login, "name": a.name, "risks": a.risks}
            for a in result.administrators
            if not login or a.login == login
        ],
        "roles": [_entity(e) for e in result.roles] if entities and not login else [],
        "groups": [_entity(e) for e in result.groups] if entities and not login else [],
        "matrix": result.matrix(),
        "risks": [
            {
                "id": r.id,
                "name": r.name,
                "severity": r.severity,
                "process": r.process,
                "rationale": r.rationale,
            }
            for r in result.risks
        ],
    }


def _entity(entity) -> dict:
    return {
        "kind": entity.kind,
        "name": entity.name,
        "risks": [c.risk for c in entity.conflicts],
        "conflicts": [conflict_data(c) for c in entity.conflicts],
    }


def diff_snapshots(old: AccessSnapshot, new: AccessSnapshot) -> dict:
    if old.started > new.started:
        old, new = new, old
    changes = diff_documents(old.load(), new.load(), old.started, new.started)
    changes.update({"from_snapshot": old.pk, "to_snapshot": new.pk})
    return changes


def previous_snapshot(snapshot: AccessSnapshot) -> AccessSnapshot | None:
    return latest_succeeded(snapshot.target, before=snapshot) if snapshot.target else None


def trend(target, limit: int = 30) -> list[dict]:
    """Conflict counts of the latest snapshots, oldest first."""
    rows = AccessSnapshot.objects.filter(target=target, status=RunStatus.SUCCEEDED).order_by(
        "-started"
    )[:limit]
    return [
        {
            "snapshot": s.pk,
            "taken": s.started.isoformat(),
            "conflicts": s.conflicts,
            "users_in_conflict": s.users_in_conflict,
            "critical": s.critical_conflicts,
            "changes": s.changes,
        }
        for s in reversed(list(rows))
    ]


def simulate_grant(target, login: str, *, add_group: str = "", add_role: str = "") -> dict:
    """What adding ``add_group`` or ``add_role`` to ``login`` would introduce, evaluated on the
    latest snapshot. UnknownName for a login, group or role that snapshot lacks."""
    if bool(add_group) == bool(add_role):
        raise ValueError(_("name either a group or a role to add"))
    snapshot = latest_snapshot(target)
    ruleset = active_ruleset(target.kind)
    if ruleset is None:
        raise NoRuleSet(f"no SoD rule set for ERP kind {target.kind!r}")
    found = simulate(ruleset, access_model(snapshot), login, add_group=add_group, add_role=add_role)
    found["introduced"] = [conflict_data(c) for c in found["introduced"]]
    found["snapshot"] = snapshot.pk
    return found
