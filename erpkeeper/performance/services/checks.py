"""Running the database checks of a target: the CheckRun row, the findings it opens, keeps or
marks fixed, the query statistics it records and the index suggestions they lead to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.core.runs import RunStatus
from erpkeeper.monitoring.models import Series
from erpkeeper.monitoring.placement import hosts_running
from erpkeeper.monitoring.tsdb.query import latest
from erpkeeper.performance.checks import (
    BoundedConnection,
    CheckContext,
    ConnectionFailed,
    for_engine,
)
from erpkeeper.performance.models import CheckRun, Finding, FindingState, Severity
from erpkeeper.performance.services.queries import record_queries
from erpkeeper.performance.texts import render, text_for

logger = logging.getLogger(__name__)

# PgHero's "slow query": at least 20 ms on average over at least 100 calls.
SLOW_MEAN_MS = 20
SLOW_CALLS = 100


class CheckFailed(Exception):
    """The checks could not run (unreachable database, unknown engine); the message says why."""


def run_checks(target, *, job=None, progress: Callable[[float, str], None] | None = None):
    """Run every check of the target's engine now; the CheckRun row is the record. Raises
    CheckFailed (after failing the row) when the database cannot be read at all."""
    progress = progress or (lambda percent, message: None)
    run = CheckRun.objects.create(target=target, target_name=target.name, job=job)
    try:
        progress(5, _("connecting to %(target)s") % {"target": target.name})
        with BoundedConnection(target.database_url) as db:
            run.engine = db.engine
            engine = for_engine(db.engine)
            if engine is None:
                raise CheckFailed(_("no checks for %(engine)s databases") % {"engine": db.engine})
            ctx = CheckContext(db=db, host_ram_bytes=host_ram_bytes(target))
            progress(15, _("running the %(engine)s checks") % {"engine": db.engine})
            outcomes = engine.run(ctx)
            progress(70, _("reading the queries and advising indexes"))
            stats = record_queries(run, target, db, engine, ctx.queries)
    except (ConnectionFailed, CheckFailed) as exc:
        _fail(run, str(exc))
        raise CheckFailed(str(exc)) from None
    failed_prefixes = [f"{engine.prefix}.{o.name}" for o in outcomes if o.error]
    observations = ctx.observations + _slow_queries(stats)
    with transaction.atomic():
        _apply_findings(run, target, observations, failed_prefixes)
    _raise_or_resolve_alerts(run, target)
    checks = [{"check": o.name, "seconds": o.seconds, "error": o.error} for o in outcomes]
    error = ""
    if all(o.error for o in outcomes):
        error = _("no check could run: %(error)s") % {"error": outcomes[0].error}
    CheckRun.settle_if_running(
        run.pk,
        RunStatus.FAILED if error else RunStatus.SUCCEEDED,
        engine=run.engine,
        checks=checks,
        notes=ctx.notes,
        error=error,
        findings_count=len(observations),
        queries_count=len(stats),
    )
    run.refresh_from_db()
    progress(100, _("done"))
    return run


def _fail(run: CheckRun, reason: str) -> None:
    CheckRun.settle_if_running(run.pk, RunStatus.FAILED, error=reason, engine=run.engine)
    run.refresh_from_db()


def _slow_queries(stats) -> list:
    slow = []
    for stat in stats:
        enough_calls = stat.calls >= SLOW_CALLS or stat.source != "pg_stat_statements"
        if stat.mean_ms >= SLOW_MEAN_MS and enough_calls and stat.source != "erp_catalogue":
            slow.append(
                _Seen(
                    "query.slow",
                    Severity.WARNING,
                    stat.fingerprint,
                    {
                        "tables": stat.tables,
                        "mean_ms": round(stat.mean_ms, 1),
                        "calls": stat.calls,
                        "query": stat.text[:300],
                    },
                )
            )
    return slow


class _Seen:
    def __init__(self, check, severity, subject, numbers):
        self.check, self.severity, self.subject, self.numbers = check, severity, subject, numbers


def _apply_findings(run: CheckRun, target, observations, failed_prefixes: list[str]) -> None:
    now = timezone.now()
    seen_ids = set()
    for seen in observations:
        finding, created = Finding.objects.get_or_create(
            target=target,
            check_id=seen.check,
            subject=seen.subject[:255],
            defaults={"severity": seen.severity, "numbers": seen.numbers, "last_run": run},
        )
        seen_ids.add(finding.pk)
        if created:
            continue
        finding.severity = seen.severity
        finding.numbers = seen.numbers
        finding.last_seen = now
        finding.last_run = run
        if finding.state == FindingState.FIXED or _acceptance_expired(finding, now):
            finding.state = FindingState.OPEN  # back again, or no longer accepted
            finding.fixed_at = finding.fixed_run = None
        finding.save()
    still = Finding.objects.filter(target=target).exclude(state=FindingState.FIXED)
    for finding in still.exclude(pk__in=seen_ids):
        # A check that could not run this time proves nothing about its findings.
        if any(finding.check_id.startswith(prefix) for prefix in failed_prefixes):
            continue
        finding.state = FindingState.FIXED
        finding.fixed_at = now
        finding.fixed_run = run
        finding.save(update_fields=["state", "fixed_at", "fixed_run"])


def _acceptance_expired(finding: Finding, now) -> bool:
    return (
        finding.state == FindingState.ACCEPTED
        and finding.accepted_until is not None
        and finding.accepted_until <= now
    )


def _raise_or_resolve_alerts(run: CheckRun, target) -> None:
    """One alert per critical check (wraparound, a sequence at 90 %...), resolved when no open
    finding of that check is left."""
    critical = Finding.objects.filter(target=target, severity=Severity.CRITICAL)
    for check_id in sorted(set(critical.values_list("check_id", flat=True))):
        open_ones = critical.filter(check_id=check_id, state=FindingState.OPEN)
        event = check_id.replace(".", "_")
        if not open_ones.exists():
            outbox.resolve_alerts(source="performance", event=event, target=target)
            continue
        first = open_ones.first()
        texts = text_for(check_id)
        outbox.raise_alert(
            source="performance",
            event=event,
            target=target,
            subject=_("%(title)s on %(target)s") % {"title": texts.title, "target": target.name},
            body=render(texts.explanation, {"subject": first.subject, **first.numbers}),
            link=f"/performance/finding/{first.pk}/change/",
        )


def host_ram_bytes(target) -> int | None:
    """The RAM of the host the target runs on, from monitoring's newest samples (used bytes
    and percent give the total); None without monitoring data."""
    series = Series.objects.filter(
        host_id__in=hosts_running(target.pk),
        metric__in=("host.memory.used_bytes", "host.memory.percent"),
    )
    by_metric = {}
    values = latest([s.pk for s in series])
    for item in series:
        if item.pk in values:
            by_metric[item.metric] = values[item.pk][1]
    used, percent = by_metric.get("host.memory.used_bytes"), by_metric.get("host.memory.percent")
    if not used or not percent:
        return None
    return int(used * 100 / percent)
