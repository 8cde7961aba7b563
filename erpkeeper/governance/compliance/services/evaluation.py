"""Evaluating controls and assessing frameworks.

1. Gather: every collector a control names is called once for the whole scope (all targets
   at once), through the ``evidence`` declarations of the installed apps. A key no app offers
   gives "not available"; a collector that raises gives "not available" with its message.
2. Judge: per control and target (one platform-wide result when all of a control's evidence
   is platform-wide), the statuses of its collectors are combined; manual evidence that has
   not expired stands in for a control without collectors or with unavailable ones; an
   exception that has not expired makes a failing control "not applicable".
3. Assess: per framework, each assessable requirement takes the combined status of the
   controls mapped to it; readiness is the share that pass (not-applicable ones left out).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core.jobs.services import JobRequest, enqueue_once
from erpkeeper.governance.compliance.models import (
    Assessment,
    Control,
    ControlResult,
    Framework,
    Requirement,
)
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus
from erpkeeper.lib.plugins import collect, load
from erpkeeper.targets.models import Target

logger = logging.getLogger(__name__)
DEFAULT_PERIOD = dt.timedelta(days=30)
UNMAPPED = "unmapped"  # an assessable requirement no control is mapped to
S = EvidenceStatus


@dataclass(frozen=True)
class Evaluation:
    results: list[ControlResult]
    since: dt.datetime
    until: dt.datetime


def available_collectors() -> dict[str, EvidenceCollector]:
    """Every collector the installed apps declare, by key."""
    found: dict[str, EvidenceCollector] = {}
    for spec in collect("evidence"):
        for collector in load(spec):
            found[collector.key] = collector
    return found


def combine(statuses) -> str:
    """One status from several: all pass -> pass, all fail -> fail, a mix -> partial; any
    "not available" wins (never a pass for lack of data); "not applicable" ones are ignored."""
    considered = [s for s in statuses if s != S.NOT_APPLICABLE]
    if not considered:
        return S.NOT_APPLICABLE if statuses else S.NOT_AVAILABLE
    if S.NOT_AVAILABLE in considered:
        return S.NOT_AVAILABLE
    if all(s == S.PASS for s in considered):
        return S.PASS
    if all(s == S.FAIL for s in considered):
        return S.FAIL
    return S.PARTIAL


def gather(keys, scope: EvidenceScope, collectors: dict[str, EvidenceCollector]) -> dict:
    """``{key: [Evidence]}`` with each needed collector called once."""
    gathered = {}
    for key in sorted(keys):
        collector = collectors.get(key)
        if collector is None:
            gathered[key] = None
            continue
        try:
            gathered[key] = collector.collect(scope)
        except Exception as exc:  # a broken collector must not stop the other controls
            logger.exception("evidence collector %s failed", key)
            text = _("The collector failed: %(error)s") % {"error": str(exc)[:200]}
            gathered[key] = [Evidence(key, S.NOT_AVAILABLE, text, None, None)]
    return gathered


def evaluate(*, targets=None, until=None, since=None, controls=None) -> Evaluation:
    """Judge ``controls`` (all by default) for ``targets`` (all by default) over the period
    ``since``..``until`` (the last 30 days by default); the results are stored and returned."""
    until = until or timezone.now()
    since = since or until - DEFAULT_PERIOD
    targets = list(targets if targets is not None else Target.objects.order_by("name"))
    controls = list(
        controls
        if controls is not None
        else Control.objects.prefetch_related("manual_evidence", "exceptions")
    )
    scope = EvidenceScope([t.pk for t in targets], until, since)
    keys = {key for control in controls for key in control.collectors}
    collectors = available_collectors()
    gathered = _index(gather(keys, scope, collectors))
    judge = _Judge(gathered, collectors, since, until, timezone.now())
    results = [result for c in controls for result in judge.control(c, targets)]
    ControlResult.objects.bulk_create(results, batch_size=500)
    return Evaluation(results, since, until)


def _index(gathered: dict) -> dict:
    """``{key: None}`` (no app offers it) or ``{key: {target_id or None: Evidence}}``."""
    indexed = {}
    for key, items in gathered.items():
        indexed[key] = None if items is None else {item.target_id: item for item in items}
    return indexed


class _Judge:
    def __init__(self, gathered, collectors, since, until, now):
        self.gathered = gathered
        self.collectors = collectors
        self.since, self.until, self.now = since, until, now

    def control(self, control: Control, targets: list[Target]) -> list[ControlResult]:
        per_target = any(
            any(target_id is not None for target_id in (self.gathered.get(key) or {}))
            for key in control.collectors
        )
        missing_only = control.collectors and all(
            self.gathered.get(key) is None for key in control.collectors
        )
        if (per_target or missing_only) and targets:
            return [self._result(control, target) for target in targets]
        return [self._result(control, None)]

    def _result(self, control: Control, target: Target | None) -> ControlResult:
        items = [self._item(key, target) for key in control.collectors]
        status = combine([item["status"] for item in items]) if items else S.FAIL
        status, extra = self._manual(control, status, bool(items))
        items.extend(extra)
        status, extra = self._exception(control, status)
        items.extend(extra)
        summary = "; ".join(item["summary"] for item in items if item["summary"])
        if target is not None and target.last_check_ok is False:
            summary = _unreachable(target) + (f"; {summary}" if summary else "")
        return ControlResult(
            control=control,
            target=target,
            status=status,
            summary=summary[:500],
            evidence=items,
            period_start=self.since,
            period_end=self.until,
            evaluated_at=self.now,
        )

    def _item(self, key: str, target: Target | None) -> dict:
        by_target = self.gathered.get(key)
        if by_target is None:
            text = _("No installed module offers this evidence (%(key)s)") % {"key": key}
            return _entry(key, "", S.NOT_AVAILABLE, text, None, {})
        found = by_target.get(target.pk if target else None) or by_target.get(None)
        title = str(self.collectors[key].title)
        if found is None:
            text = _("The collector gave no evidence for this target")
            return _entry(key, title, S.NOT_AVAILABLE, text, None, {})
        return _entry(key, title, found.status, found.summary, found.observed_at, found.details)

    def _manual(self, control: Control, status: str, automatic: bool):
        """Unexpired uploads pass a control without collectors, or one whose collectors are
        unavailable; an upload never overrides an automatic fail."""
        today = self.until.date()
        uploads = list(control.manual_evidence.all())
        valid = [u for u in uploads if u.valid_until >= today]
        items = [_upload_entry(u, today) for u in uploads[:5]]
        if valid and (not automatic or status == S.NOT_AVAILABLE):
            return S.PASS, items
        if not automatic and not valid:
            text = _("No manual evidence that is still valid")
            return S.FAIL, [*items, _entry("manual", "", S.FAIL, text, None, {})]
        return status, items

    def _exception(self, control: Control, status: str):
        if status == S.PASS:
            return status, []
        today = self.until.date()
        for exception in control.exceptions.all():
            if exception.expires_on >= today:
                text = _("Exception by %(owner)s until %(date)s: %(reason)s") % {
                    "owner": exception.owner.get_username(),
                    "date": exception.expires_on.isoformat(),
                    "reason": exception.reason[:120],
                }
                entry = _entry("exception", "", S.NOT_APPLICABLE, text, None, {})
                entry["exception_id"] = exception.pk
                return S.NOT_APPLICABLE, [entry]
        return status, []


def _entry(key, title, status, summary, observed_at, details) -> dict:
    return {
        "key": key,
        "title": title,
        "status": str(status),
        "summary": str(summary),
        "observed_at": observed_at.isoformat() if observed_at else None,
        "details": details,
    }


def _upload_entry(upload, today) -> dict:
    valid = upload.valid_until >= today
    if valid:
        text = _("Uploaded %(name)s, valid until %(date)s")
    else:
        text = _("Uploaded %(name)s expired on %(date)s: it no longer counts")
    summary = text % {"name": upload.file_name, "date": upload.valid_until.isoformat()}
    status = S.PASS if valid else S.NOT_APPLICABLE
    entry = _entry("manual", "", status, summary, upload.created, {"sha256": upload.sha256})
    entry["manual_evidence_id"] = upload.pk
    return entry


def _unreachable(target: Target) -> str:
    when = target.last_checked.isoformat(timespec="minutes") if target.last_checked else "?"
    return _("Target unreachable at its last check (%(when)s): %(error)s") % {
        "when": when,
        "error": target.last_check_error or _("no answer"),
    }


# --- assessments ------------------------------------------------------------------------------


def control_statuses(results) -> dict[int, str]:
    """Each control's status over all its targets."""
    per_control: dict[int, list[str]] = {}
    for result in results:
        per_control.setdefault(result.control_id, []).append(result.status)
    return {control_id: combine(statuses) for control_id, statuses in per_control.items()}


def assess(framework: Framework, evaluation: Evaluation, actor=None) -> Assessment:
    """The framework's readiness from an evaluation's results."""
    statuses = control_statuses(evaluation.results)
    requirements = Requirement.objects.filter(
        framework=framework, assessable=True, retired=False
    ).prefetch_related("controls")
    per_requirement = {}
    for requirement in requirements:
        mapped = [statuses[c.pk] for c in requirement.controls.all() if c.pk in statuses]
        per_requirement[requirement.urn] = combine(mapped) if mapped else UNMAPPED
    counts = Counter(per_requirement.values())
    considered = len(per_requirement) - counts.get(S.NOT_APPLICABLE, 0)
    score = round(100 * counts.get(S.PASS, 0) / considered, 1) if considered else 0.0
    return Assessment.objects.create(
        framework=framework,
        period_start=evaluation.since,
        period_end=evaluation.until,
        score=score,
        counts=dict(counts),
        statuses=per_requirement,
        created_by=actor,
    )


def assess_frameworks(frameworks=None, *, targets=None, until=None, actor=None, progress=None):
    """Evaluate the controls of ``frameworks`` (every loaded one by default) once, then
    assess each framework: ``(evaluation, [Assessment])``."""
    frameworks = list(frameworks if frameworks is not None else Framework.objects.all())
    controls = (
        Control.objects.filter(requirements__framework__in=frameworks)
        .distinct()
        .prefetch_related("manual_evidence", "exceptions__owner")
    )
    with transaction.atomic():
        evaluation = evaluate(targets=targets, until=until, controls=controls)
        if progress:
            progress(60, "assessing")
        assessments = [assess(framework, evaluation, actor) for framework in frameworks]
    return evaluation, assessments


def trend(framework: Framework, limit: int = 12) -> list[tuple[dt.datetime, float]]:
    """The framework's readiness over its last ``limit`` assessments, oldest first."""
    rows = framework.assessments.order_by("-created").values_list("created", "score")[:limit]
    return list(reversed(rows))


# --- as a job ---------------------------------------------------------------------------------

ASSESS_KIND = "compliance.assess"


def request_assessment(framework: Framework | None = None, actor=None) -> JobRequest:
    """Assess one framework (or all) as a job; the same request already queued is reused."""
    params = {"framework": framework.ref_id} if framework is not None else {}
    job, reused = enqueue_once(ASSESS_KIND, params=params, requested_by=actor)
    return JobRequest(job, reused)


def run_assessment_job(params: dict, actor=None, progress=None) -> list[Assessment]:
    ref = params.get("framework")
    frameworks = Framework.objects.filter(ref_id=ref) if ref else None
    _evaluation, assessments = assess_frameworks(frameworks, actor=actor, progress=progress)
    return assessments
