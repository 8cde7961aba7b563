"""Compliance evidence from backups (read by governance.compliance through ``evidence`` on
BackupsConfig): encrypted backups copied off-site within each target's RPO, and a passed
restore drill with the RTO met within 90 days. One query per collector for all targets."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.backups.models import Backup, BackupCopy, BackupStatus, CopyStatus, Drill
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus
from erpkeeper.targets.models import Target

OFFSITE_KEY = "backups.offsite_within_rpo"
DRILL_KEY = "backups.drill_passed_90_days"
DRILL_WINDOW = dt.timedelta(days=90)


def offsite_within_rpo(scope: EvidenceScope) -> list[Evidence]:
    """Per target: the newest encrypted backup with a succeeded off-site copy must be younger
    than the target's RPO at the end of the period. A younger backup that is not encrypted
    or not copied makes it partial; nothing within the RPO fails."""
    targets = Target.objects.filter(pk__in=scope.target_ids).only("pk", "rpo_minutes")
    copies = (
        BackupCopy.objects.filter(
            backup__target_id__in=scope.target_ids,
            status=CopyStatus.SUCCEEDED,
            backup__status=BackupStatus.SUCCEEDED,
            backup__encrypted=True,
            backup__started__lte=scope.until,
        )
        .order_by("backup__target_id", "-backup__started")
        .values("backup__target_id", "backup_id", "backup__started", "finished")
    )
    newest_copied = _first_per(copies, "backup__target_id")
    longest = max((target.rpo_minutes for target in targets), default=0)
    recent = (
        Backup.objects.filter(
            target_id__in=scope.target_ids,
            status=BackupStatus.SUCCEEDED,
            started__gt=scope.until - dt.timedelta(minutes=longest),
            started__lte=scope.until,
        )
        .order_by("target_id", "-started")
        .values("target_id", "pk", "started", "encrypted")
    )
    newest = _first_per(recent, "target_id")
    return [
        _offsite(target, newest_copied.get(target.pk), newest.get(target.pk), scope)
        for target in targets
    ]


def _first_per(rows, key) -> dict:
    first: dict = {}
    for row in rows:
        first.setdefault(row[key], row)
    return first


def _offsite(target: Target, copied, recent, scope: EvidenceScope) -> Evidence:
    rpo = dt.timedelta(minutes=target.rpo_minutes)
    details = {"rpo_minutes": target.rpo_minutes}
    if copied is not None and scope.until - copied["backup__started"] <= rpo:
        details.update(backup_id=copied["backup_id"])
        summary = _("Encrypted backup of %(when)s copied off-site, within the RPO of %(rpo)s min")
        started = copied["backup__started"]
        text = summary % {"when": started.isoformat(timespec="minutes"), "rpo": rpo_text(target)}
        return Evidence(OFFSITE_KEY, EvidenceStatus.PASS, text, started, target.pk, details)
    if recent is not None and scope.until - recent["started"] <= rpo:
        details.update(backup_id=recent["pk"], encrypted=recent["encrypted"])
        text = _("Backup of %(when)s is within the RPO but not encrypted or not copied off-site")
        summary = text % {"when": recent["started"].isoformat(timespec="minutes")}
        return Evidence(
            OFFSITE_KEY, EvidenceStatus.PARTIAL, summary, recent["started"], target.pk, details
        )
    observed = copied["backup__started"] if copied else None
    text = _("No encrypted off-site backup within the RPO of %(rpo)s min") % {
        "rpo": rpo_text(target)
    }
    return Evidence(OFFSITE_KEY, EvidenceStatus.FAIL, text, observed, target.pk, details)


def rpo_text(target: Target) -> str:
    return str(target.rpo_minutes)


def drill_passed(scope: EvidenceScope) -> list[Evidence]:
    """Per target: a drill that succeeded within 90 days before the end of the period, with
    the measured RTO within its objective (partial when it passed but the RTO was missed)."""
    drills = (
        Drill.objects.filter(
            target_id__in=scope.target_ids,
            status=RunStatus.SUCCEEDED,
            started__gt=scope.until - DRILL_WINDOW,
            started__lte=scope.until,
        )
        .order_by("target_id", "-started")
        .only("pk", "target_id", "started", "rto_seconds", "rto_target_seconds")
    )
    newest: dict[int, list[Drill]] = {}
    for drill in drills:
        newest.setdefault(drill.target_id, []).append(drill)
    return [_drill(target_id, newest.get(target_id, [])) for target_id in _ids(scope)]


def _ids(scope: EvidenceScope) -> list[int]:
    return list(Target.objects.filter(pk__in=scope.target_ids).values_list("pk", flat=True))


def _drill(target_id: int, drills: list[Drill]) -> Evidence:
    met = next((drill for drill in drills if drill.rto_met), None)
    if met is not None:
        text = _("Drill of %(when)s passed; RTO %(rto).0f s within %(target)s s") % {
            "when": met.started.date().isoformat(),
            "rto": met.rto_seconds,
            "target": met.rto_target_seconds,
        }
        details = {"drill_id": met.pk, "rto_seconds": met.rto_seconds}
        return Evidence(DRILL_KEY, EvidenceStatus.PASS, text, met.started, target_id, details)
    if drills:
        drill = drills[0]
        text = _("Drill of %(when)s passed but missed the RTO of %(target)s s") % {
            "when": drill.started.date().isoformat(),
            "target": drill.rto_target_seconds,
        }
        details = {"drill_id": drill.pk, "rto_seconds": drill.rto_seconds}
        return Evidence(DRILL_KEY, EvidenceStatus.PARTIAL, text, drill.started, target_id, details)
    text = _("No passed restore drill in the last 90 days")
    return Evidence(DRILL_KEY, EvidenceStatus.FAIL, text, None, target_id)


COLLECTORS = (
    EvidenceCollector(
        OFFSITE_KEY,
        gettext_lazy("Encrypted backups copied off-site within the RPO"),
        offsite_within_rpo,
    ),
    EvidenceCollector(
        DRILL_KEY,
        gettext_lazy("Restore drill passed within 90 days with the RTO met"),
        drill_passed,
    ),
)
