"""Compliance evidence from the security app, per target: SoD conflicts mitigated, dormant
accounts handled, an access review done within the period, and the security check score.
Each reads the newest record of the period for all targets of the scope in one query."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.core.runs import RunStatus
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus
from erpkeeper.security.models import (
    AccessSnapshot,
    Finding,
    FindingKind,
    FindingState,
    SecurityCheckRun,
)
from erpkeeper.security.review_models import Campaign, CampaignStatus
from erpkeeper.security.services.conflicts import NoRuleSet, analysis_for
from erpkeeper.targets.models import Target

SOD_KEY = "security.sod_conflicts_mitigated"
DORMANT_KEY = "security.dormant_accounts_handled"
REVIEW_KEY = "security.access_review_done"
SCORE_KEY = "security.check_score"
FRESH = dt.timedelta(days=30)  # a snapshot or check run older than this says nothing now
REVIEW_PERIOD = dt.timedelta(days=365)
SCORE_PASS, SCORE_PARTIAL = 80, 60


def _ids(scope: EvidenceScope) -> list[int]:
    return list(Target.objects.filter(pk__in=scope.target_ids).values_list("pk", flat=True))


def _newest(queryset, scope: EvidenceScope) -> dict:
    """The newest succeeded run per target within FRESH before the end of the period."""
    rows = queryset.filter(
        target_id__in=scope.target_ids,
        status=RunStatus.SUCCEEDED,
        started__gt=scope.until - FRESH,
        started__lte=scope.until,
    ).order_by("target_id", "-started")
    newest: dict = {}
    for row in rows:
        newest.setdefault(row.target_id, row)
    return newest


def sod_conflicts_mitigated(scope: EvidenceScope) -> list[Evidence]:
    snapshots = _newest(AccessSnapshot.objects.select_related("target", "document"), scope)
    return [_sod(target_id, snapshots.get(target_id)) for target_id in _ids(scope)]


def _sod(target_id: int, snapshot: AccessSnapshot | None) -> Evidence:
    if snapshot is None:
        text = _("No access snapshot in the last 30 days")
        return Evidence(SOD_KEY, EvidenceStatus.FAIL, text, None, target_id)
    details = {"snapshot_id": snapshot.pk, "conflicts": snapshot.conflicts or 0}
    if snapshot.conflicts:
        try:
            analysis = analysis_for(snapshot, entities=False)
        except (NoRuleSet, ValueError) as exc:
            text = _("SoD analysis unavailable: %(reason)s") % {"reason": exc}
            return Evidence(
                SOD_KEY, EvidenceStatus.NOT_AVAILABLE, text, snapshot.started, target_id
            )
        details["open"] = sum(1 for c in analysis.conflicts if c.status == "open")
    else:
        details["open"] = 0
    status = EvidenceStatus.PASS if details["open"] == 0 else EvidenceStatus.FAIL
    text = _("%(open)d of %(conflicts)d SoD conflicts neither mitigated nor accepted") % details
    return Evidence(SOD_KEY, status, text, snapshot.started, target_id, details)


def dormant_accounts_handled(scope: EvidenceScope) -> list[Evidence]:
    snapshots = _newest(AccessSnapshot.objects.only("pk", "target_id", "started"), scope)
    open_counts: dict[int, int] = {}
    for target_id in Finding.objects.filter(
        target_id__in=scope.target_ids, kind=FindingKind.DORMANT, state=FindingState.OPEN
    ).values_list("target_id", flat=True):
        open_counts[target_id] = open_counts.get(target_id, 0) + 1
    return [
        _dormant(target_id, snapshots.get(target_id), open_counts.get(target_id, 0))
        for target_id in _ids(scope)
    ]


def _dormant(target_id: int, snapshot, open_count: int) -> Evidence:
    if snapshot is None:
        text = _("No access snapshot in the last 30 days")
        return Evidence(DORMANT_KEY, EvidenceStatus.FAIL, text, None, target_id)
    details = {"snapshot_id": snapshot.pk, "open_dormant": open_count}
    status = EvidenceStatus.PASS if open_count == 0 else EvidenceStatus.FAIL
    text = _("%(open_dormant)d dormant accounts open (neither disabled nor accepted)") % details
    return Evidence(DORMANT_KEY, status, text, snapshot.started, target_id, details)


def access_review_done(scope: EvidenceScope) -> list[Evidence]:
    since = scope.since or scope.until - REVIEW_PERIOD
    closed: dict[int, Campaign] = {}
    running: dict[int, Campaign] = {}
    campaigns = (
        Campaign.objects.filter(targets__in=scope.target_ids)
        .exclude(status=CampaignStatus.DRAFT)
        .prefetch_related("targets")
        .order_by("-launched")
    )
    for campaign in campaigns.distinct():
        for target in campaign.targets.all():
            if campaign.status == CampaignStatus.CLOSED and campaign.closed:
                if since <= campaign.closed <= scope.until:
                    closed.setdefault(target.pk, campaign)
            elif campaign.launched and since <= campaign.launched <= scope.until:
                running.setdefault(target.pk, campaign)
    return [_review(t, closed.get(t), running.get(t)) for t in _ids(scope)]


def _review(target_id: int, closed: Campaign | None, running: Campaign | None) -> Evidence:
    if closed is not None:
        text = _("Access review %(name)s closed on %(when)s") % {
            "name": closed.name,
            "when": closed.closed.date().isoformat(),
        }
        details = {"campaign_id": closed.pk}
        return Evidence(REVIEW_KEY, EvidenceStatus.PASS, text, closed.closed, target_id, details)
    if running is not None:
        text = _("Access review %(name)s is still open") % {"name": running.name}
        details = {"campaign_id": running.pk}
        return Evidence(
            REVIEW_KEY, EvidenceStatus.PARTIAL, text, running.launched, target_id, details
        )
    text = _("No access review closed in the period")
    return Evidence(REVIEW_KEY, EvidenceStatus.FAIL, text, None, target_id)


def check_score(scope: EvidenceScope) -> list[Evidence]:
    runs = _newest(SecurityCheckRun.objects.only("pk", "target_id", "started", "score"), scope)
    return [_score(target_id, runs.get(target_id)) for target_id in _ids(scope)]


def _score(target_id: int, run: SecurityCheckRun | None) -> Evidence:
    if run is None or run.score is None:
        text = _("No security check run in the last 30 days")
        return Evidence(SCORE_KEY, EvidenceStatus.FAIL, text, None, target_id)
    if run.score >= SCORE_PASS:
        status = EvidenceStatus.PASS
    elif run.score >= SCORE_PARTIAL:
        status = EvidenceStatus.PARTIAL
    else:
        status = EvidenceStatus.FAIL
    text = _("Security check score %(score)d of 100 (pass from %(limit)d)") % {
        "score": run.score,
        "limit": SCORE_PASS,
    }
    details = {"check_run_id": run.pk, "score": run.score}
    return Evidence(SCORE_KEY, status, text, run.started, target_id, details)


COLLECTORS = (
    EvidenceCollector(
        SOD_KEY, gettext_lazy("SoD conflicts mitigated or accepted"), sod_conflicts_mitigated
    ),
    EvidenceCollector(
        DORMANT_KEY, gettext_lazy("Dormant ERP accounts handled"), dormant_accounts_handled
    ),
    EvidenceCollector(
        REVIEW_KEY, gettext_lazy("Access review done within the period"), access_review_done
    ),
    EvidenceCollector(SCORE_KEY, gettext_lazy("Security check score"), check_score),
)
