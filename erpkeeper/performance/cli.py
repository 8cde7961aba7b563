"""``erpkeeper perf check|findings|queries|suggestions|advise|prove|proof|accept|reopen|capacity``.

Checks and proofs run as a job in this process with progress shown (no worker needed);
--no-wait only queues them for the worker.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments, parse_date_or_time
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.performance import services
from erpkeeper.performance.filters import (
    FindingFilterSet,
    IndexSuggestionFilterSet,
    QueryStatFilterSet,
)
from erpkeeper.performance.models import (
    SEVERITY_RANK,
    CheckRun,
    Finding,
    IndexProof,
    IndexSuggestion,
    QueryStat,
)
from erpkeeper.performance.services.capacity import DEFAULT_DAYS, capacity_report, period_days
from erpkeeper.performance.services.capacity_report import report_pdf
from erpkeeper.targets.cli import find_target
from erpkeeper.targets.models import Target


def register(sub) -> None:
    perf = sub.add_parser("perf", help="performance: database checks, queries, index advice")
    actions = perf.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    check = actions.add_parser("check", help="run the database checks of a target now")
    check.add_argument("target")
    _no_wait(check)
    check.set_defaults(handler=handle_check)

    findings = actions.add_parser("findings", help="findings, most severe first")
    add_filter_arguments(findings, FindingFilterSet, positional=("target",))
    findings.add_argument("--all", action="store_true", help="also fixed ones")
    findings.set_defaults(handler=handle_findings)

    queries = actions.add_parser("queries", help="queries of the newest check run by total time")
    add_filter_arguments(queries, QueryStatFilterSet, positional=("target",))
    queries.add_argument("--limit", type=int, default=20)
    queries.set_defaults(handler=handle_queries)

    suggestions = actions.add_parser("suggestions", help="index suggestions")
    add_filter_arguments(suggestions, IndexSuggestionFilterSet, positional=("target",))
    suggestions.set_defaults(handler=handle_suggestions)

    advise = actions.add_parser("advise", help="index advice for one SELECT (read-only)")
    advise.add_argument("target")
    advise.add_argument("sql", help="the query, quoted")
    advise.set_defaults(handler=handle_advise)

    prove = actions.add_parser("prove", help="prove a suggestion on a restored copy")
    prove.add_argument("suggestion_id", type=int)
    _no_wait(prove)
    prove.set_defaults(handler=handle_prove)

    proof = actions.add_parser("proof", help="a proof's times, plans and index size")
    proof.add_argument("id", type=int)
    proof.set_defaults(handler=handle_proof)

    accept = actions.add_parser("accept", help="accept a finding with a reason")
    accept.add_argument("id", type=int)
    accept.add_argument("--reason", required=True)
    accept.add_argument("--until", help="date or date-time; after it the finding opens again")
    accept.set_defaults(handler=handle_accept)

    reopen = actions.add_parser("reopen", help="open an accepted finding again")
    reopen.add_argument("id", type=int)
    reopen.set_defaults(handler=handle_reopen)

    capacity = actions.add_parser(
        "capacity", help="resource advice from monitoring: every target, or one in detail"
    )
    capacity.add_argument("target", nargs="?")
    capacity.add_argument("--days", type=int, default=DEFAULT_DAYS, help="the period (30)")
    capacity.add_argument("--pdf", metavar="FILE", help="write the target's report as a PDF")
    capacity.add_argument("--language", help="the PDF's language: en or zh-hans")
    capacity.set_defaults(handler=handle_capacity)


def _no_wait(parser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="queue for the worker and return")


def _start_or_queue(args, job) -> int:
    if args.no_wait:
        emit(args, describe(job, with_log=False), f"queued job {job.pk} ({job.kind})")
        return 0
    return run_here(args, job)


def handle_check(args) -> int:
    asked = services.request_check(find_target(args.target), requested_by=acting_user())
    return _start_or_queue(args, asked.job)


def handle_findings(args) -> int:
    queryset = Finding.objects.select_related("target")
    if not args.all and not getattr(args, "filter_state", None):
        queryset = queryset.exclude(state="fixed")
    found = filter_from_arguments(FindingFilterSet, queryset, args)
    found = sorted(found, key=lambda f: (SEVERITY_RANK.get(f.severity, 9), f.check_id))
    rows = [finding_row(f) for f in found]
    columns = ["id", "target", "severity", "state", "title", "subject"]
    emit(args, rows, table(rows, columns))
    return 0


def finding_row(finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "target": finding.target.name,
        "check": finding.check_id,
        "severity": finding.severity,
        "state": finding.state,
        "title": services.finding_title(finding),
        "subject": finding.subject,
        "explanation": services.finding_explanation(finding),
        "advice": services.finding_advice(finding),
        "numbers": finding.numbers,
        "last_seen": finding.last_seen.isoformat(),
    }


def handle_queries(args) -> int:
    queryset = QueryStat.objects.select_related("target")
    if not getattr(args, "filter_run", None):
        newest = CheckRun.objects.filter(status="succeeded")
        if getattr(args, "filter_target", None):
            newest = newest.filter(target_name=args.filter_target)
        run = newest.order_by("-started").first()
        queryset = queryset.filter(run=run)
    found = filter_from_arguments(QueryStatFilterSet, queryset, args)[: max(args.limit, 1)]
    rows = [
        {
            "id": q.pk,
            "target": q.target.name,
            "calls": q.calls,
            "mean_ms": round(q.mean_ms, 2),
            "total_ms": round(q.total_ms, 1),
            "models": ", ".join(m["model"] or m["table"] for m in q.models_used),
            "query": q.text[:80],
            "text": q.text,
            "source": q.source,
        }
        for q in found
    ]
    emit(
        args, rows, table(rows, ["id", "target", "calls", "mean_ms", "total_ms", "models", "query"])
    )
    return 0


def handle_suggestions(args) -> int:
    found = filter_from_arguments(
        IndexSuggestionFilterSet, IndexSuggestion.objects.select_related("target"), args
    )
    rows = [suggestion_row(s) for s in found]
    emit(args, rows, table(rows, ["id", "target", "model", "state", "ddl"]))
    return 0


def suggestion_row(suggestion: IndexSuggestion) -> dict:
    return {
        "id": suggestion.pk,
        "target": suggestion.target.name,
        "table": suggestion.table,
        "columns": suggestion.columns,
        "model": suggestion.model,
        "state": suggestion.state,
        "ddl": suggestion.ddl,
        "query": suggestion.query_text,
    }


def handle_advise(args) -> int:
    target = find_target(args.target)
    try:
        found = services.advise_query(target, args.sql)
    except services.AdviceRefused as exc:
        raise CommandError(str(exc), EXIT_USAGE, "refused") from None
    rows = [suggestion_row(s) for s in found]
    text = table(rows, ["id", "model", "ddl"]) if rows else "no index would help this query"
    emit(args, rows, text)
    return 0


def handle_prove(args) -> int:
    suggestion = find_one(IndexSuggestion.objects, "index suggestion", pk=args.suggestion_id)
    asked = services.request_proof(suggestion, requested_by=acting_user())
    return _start_or_queue(args, asked.job)


def handle_proof(args) -> int:
    proof = find_one(IndexProof.objects, "index proof", pk=args.id)
    data = {
        "id": proof.pk,
        "suggestion": proof.suggestion_id,
        "status": proof.status,
        "error": proof.error,
        "before_ms": proof.before_ms,
        "after_ms": proof.after_ms,
        "before_median_ms": proof.before_median_ms,
        "after_median_ms": proof.after_median_ms,
        "speedup": proof.speedup,
        "helps": proof.helps,
        "index_bytes": proof.index_bytes,
        "plan_before": proof.plan_before,
        "plan_after": proof.plan_after,
    }
    emit(args, data)
    return 0


def handle_accept(args) -> int:
    finding = find_one(Finding.objects.select_related("target"), "finding", pk=args.id)
    until = None
    if args.until:
        try:
            until = parse_date_or_time(args.until)
        except ValueError:
            raise CommandError(
                f"--until: not a date: {args.until!r}", EXIT_USAGE, "usage"
            ) from None
    try:
        services.accept_finding(finding, reason=args.reason, until=until, user=acting_user())
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, finding_row(finding), f"finding {finding.pk} accepted")
    return 0


def handle_reopen(args) -> int:
    finding = find_one(Finding.objects.select_related("target"), "finding", pk=args.id)
    try:
        services.reopen_finding(finding)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, finding_row(finding), f"finding {finding.pk} open again")
    return 0


def handle_capacity(args) -> int:
    try:
        period_days(args.days)
    except ValueError as exc:
        raise CommandError(f"--days: {exc}", EXIT_USAGE, "usage") from None
    if args.target is None:
        if args.pdf:
            raise CommandError("--pdf needs a target", EXIT_USAGE, "usage")
        reports = [capacity_report(t, args.days) for t in Target.objects.order_by("name")]
        rows = [_capacity_row(report) for report in reports]
        emit(args, rows, table(rows, ["target", "verdict", "advice"]))
        return 0
    report = capacity_report(find_target(args.target), args.days)
    if args.pdf:
        _write_pdf(report, args.pdf, args.language or language_of_actor())
        emit(args, {"written": args.pdf}, f"capacity report written to {args.pdf}")
        return 0
    lines = [f"{report.target.name}: {report.verdict.label} ({report.days} days)"]
    lines += [f"  [{item.verdict.value}] {item.text}" for item in report.advice]
    emit(args, report.as_dict(), "\n".join(lines))
    return 0


def _capacity_row(report) -> dict:
    concerns = [item.text for item in report.advice if item.verdict != "ok"]
    return {
        "target": report.target.name,
        "verdict": report.verdict.value,
        "advice": concerns[0] if concerns else "",
    }


def language_of_actor() -> str:
    profile = getattr(acting_user(), "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def _write_pdf(report, path: str, language: str) -> None:
    try:
        content = report_pdf(report, language)
    except PdfUnavailable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "unavailable") from None
    try:
        with open(path, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CommandError(f"cannot write {path}: {reason}", EXIT_FAILED, "unwritable") from None
