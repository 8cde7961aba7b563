"""Security checks of a target: run them read-only, store the run with its score, reconcile
the findings (a failed check is a finding until a later run passes it) and raise an alert for
each critical one."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.core.jobs.services import enqueue_once
from erpkeeper.core.models import OutboxMessage
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib import dburl
from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.lib.crypto import SecretDecryptionError
from erpkeeper.security.checks import catalogue, checks_for
from erpkeeper.security.checks.base import FAIL, PASS, run_all, score
from erpkeeper.security.models import (
    FindingKind,
    FindingState,
    SecurityCheckRun,
    TrytonConfigFile,
)
from erpkeeper.security.services.findings import Found, reconcile
from erpkeeper.security.services.snapshots import JobRequest

CHECK_KIND = "security.check"


class ChecksFailed(Exception):
    """The target could not be read; ``str()`` is the one-line reason."""


@dataclass
class CheckContext:
    """What a check reads: the bounded connection, the SQLite file's path, today, the path of
    trytond.conf (empty: not configured)."""

    conn: BoundedConnection
    target: object
    path: str
    today: object
    config_path: str = ""


def request_checks(target, requested_by=None, *, note: str = "") -> JobRequest:
    """Run ``target``'s security checks as a job; one already queued or running is reused."""
    job, reused = enqueue_once(CHECK_KIND, target=target, requested_by=requested_by, note=note)
    return JobRequest(job, reused)


def run_checks(target, *, job=None) -> SecurityCheckRun:
    """Run every check that applies to ``target``; a failed row and ChecksFailed when the
    database cannot be reached."""
    run = SecurityCheckRun.objects.create(target=target, target_name=target.name, job=job)
    try:
        url = target.database_url
        with BoundedConnection(url) as conn:
            engine = dburl.parse(url).engine
            path = dburl.parse(url).path if engine == "sqlite" else ""
            config_path = config_path_of(target)
            context = CheckContext(conn, target, path, timezone.localdate(), config_path)
            checks = checks_for(engine, target.kind, config_file=bool(config_path))
            outcomes = run_all(checks, context)
    except (ConnectionFailed, SecretDecryptionError) as exc:
        SecurityCheckRun.fail_if_running(run.pk, str(exc)[:2000])
        raise ChecksFailed(str(exc)) from exc
    SecurityCheckRun.settle_if_running(
        run.pk,
        RunStatus.SUCCEEDED,
        score=score(outcomes),
        passed=sum(1 for o in outcomes if o.status == PASS),
        failed=sum(1 for o in outcomes if o.status == FAIL),
        results=[o.as_dict() for o in outcomes],
    )
    run.refresh_from_db()
    _findings(run, outcomes)
    return run


def config_path_of(target) -> str:
    found = TrytonConfigFile.objects.filter(target=target).first()
    return found.path if found else ""


def set_config_path(target, path: str) -> TrytonConfigFile | None:
    """Where ``target``'s trytond.conf is; an empty path forgets it."""
    if not path.strip():
        TrytonConfigFile.objects.filter(target=target).delete()
        return None
    row, _created = TrytonConfigFile.objects.update_or_create(
        target=target, defaults={"path": path.strip()}
    )
    return row


def _findings(run, outcomes) -> None:
    found = [
        Found(FindingKind.CHECK, o.check.severity, "", o.detail, o.check.id)
        for o in outcomes
        if o.status == FAIL
    ]
    # A check that could not be made this time keeps its finding as it was.
    unknown = {o.check.id for o in outcomes if o.status not in (PASS, FAIL)}
    kept = run.target.security_findings.filter(
        kind=FindingKind.CHECK, check_id__in=unknown
    ).exclude(state=FindingState.FIXED)
    found += [Found(f.kind, f.severity, f.subject, f.detail, f.check_id) for f in kept]
    reconcile(run.target, [FindingKind.CHECK], found)
    for finding in run.target.security_findings.filter(kind=FindingKind.CHECK, severity="critical"):
        if finding.state == FindingState.OPEN:
            _alert(run, finding)
        else:  # fixed by this run, or accepted: its alert is dealt with
            outbox.resolve_alerts(
                source="security", event=f"check:{finding.check_id}", target=run.target
            )


def _alert(run, finding) -> None:
    """A critical failed check raises an alert (the outbox counts repeats of an open one)."""
    check = catalogue().get(finding.check_id)
    title = str(check.title) if check else finding.check_id
    outbox.raise_alert(
        source="security",
        event=f"check:{finding.check_id}",
        severity=OutboxMessage.Severity.CRITICAL,
        target=run.target,
        subject=_("Security check %(id)s failed on %(target)s: %(title)s")
        % {"id": finding.check_id, "target": run.target_name, "title": title},
        body=finding.detail,
        link=f"/security/securitycheckrun/{run.pk}/change/",
    )


def previous_run(run) -> SecurityCheckRun | None:
    return (
        SecurityCheckRun.objects.filter(
            target_name=run.target_name, status=RunStatus.SUCCEEDED, started__lt=run.started
        )
        .order_by("-started")
        .first()
    )


def score_change(run) -> int | None:
    """The score's change since the previous successful run of the target (the trend)."""
    before = previous_run(run)
    if run.score is None or before is None or before.score is None:
        return None
    return run.score - before.score


def describe_results(run) -> list[dict]:
    """Each stored outcome with its check's title, rationale, advice and reference in the
    current language."""
    known = catalogue()
    described = []
    for result in run.results:
        check = known.get(result["id"])
        described.append(
            {
                **result,
                "title": str(check.title) if check else result["id"],
                "rationale": str(check.rationale) if check else "",
                "advice": str(check.advice) if check else "",
                "reference": str(check.reference) if check else "",
            }
        )
    return described
