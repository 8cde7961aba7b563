"""``erpkeeper security accounts|findings|accept|check|config-file|check-runs``: risky accounts and
security checks of a target (registered under ``erpkeeper security`` by cli.py).

``check`` runs the checks in this process (read-only, each query under a time limit) and prints
each outcome; --no-wait queues it for the worker instead."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    table,
    validation_text,
)
from erpkeeper.security import services
from erpkeeper.security.models import Finding, FindingKind, FindingState, SecurityCheckRun
from erpkeeper.targets.cli import find_target


def register_actions(actions) -> None:
    accounts = actions.add_parser("accounts", help="risky ERP accounts of a target")
    accounts.add_argument("target")
    accounts.add_argument("--all", action="store_true", help="include the fixed ones")
    accounts.set_defaults(handler=handle_accounts, checks=False)

    findings = actions.add_parser("findings", help="failed security checks of a target")
    findings.add_argument("target")
    findings.add_argument("--all", action="store_true", help="include the fixed ones")
    findings.set_defaults(handler=handle_accounts, checks=True)

    accept = actions.add_parser("accept", help="accept a finding until a date, with a reason")
    accept.add_argument("id", type=int)
    accept.add_argument("--reason", required=True)
    accept.add_argument("--until", required=True, metavar="YYYY-MM-DD")
    accept.add_argument("--owner", default="", help="who answers for the finding")
    accept.set_defaults(handler=handle_accept)

    check = actions.add_parser("check", help="run the security checks of a target now")
    check.add_argument("target")
    check.add_argument("--no-wait", action="store_true", help="queue for the worker and return")
    check.set_defaults(handler=handle_check)

    config = actions.add_parser(
        "config-file", help="where a target's trytond.conf is, for the security checks"
    )
    config.add_argument("target")
    config.add_argument("path", nargs="?", default=None, help="empty string: forget it")
    config.set_defaults(handler=handle_config_file)

    runs = actions.add_parser("check-runs", help="security check runs with their scores")
    runs.add_argument("target", nargs="?", default="")
    runs.add_argument("--limit", type=int, default=30)
    runs.set_defaults(handler=handle_check_runs)


def finding_row(finding: Finding) -> dict:
    return {
        "id": finding.pk,
        "target": finding.target.name,
        "kind": finding.kind,
        "check": finding.check_id,
        "subject": finding.subject,
        "severity": finding.severity,
        "state": finding.state,
        "owner": finding.owner,
        "detail": finding.detail,
        "expires": finding.expires.isoformat() if finding.expires else None,
        "first_seen": finding.first_seen.isoformat(timespec="seconds"),
        "last_seen": finding.last_seen.isoformat(timespec="seconds"),
    }


def handle_accounts(args) -> int:
    target = find_target(args.target)
    queryset = Finding.objects.filter(target=target).select_related("target")
    if args.checks:
        queryset = queryset.filter(kind=FindingKind.CHECK)
    else:
        queryset = queryset.exclude(kind=FindingKind.CHECK)
    if not args.all:
        queryset = queryset.exclude(state=FindingState.FIXED)
    rows = [finding_row(f) for f in queryset.order_by("kind", "check_id", "subject")]
    columns = ["id", "check" if args.checks else "kind", "subject", "severity", "state", "detail"]
    text = table(rows, columns) if rows else f"{target.name}: no open finding"
    if not args.checks:
        text = "\n".join([text, *(f"note: {note}" for note in _account_notes(target))])
    emit(args, rows, text)
    return 0


def _account_notes(target) -> list[str]:
    """What the latest snapshot's account review could not check here."""
    latest = target.access_snapshots.filter(status="succeeded").order_by("-started").first()
    return list(latest.summary.get("account_notes", [])) if latest else []


def handle_accept(args) -> int:
    finding = find_one(Finding.objects.select_related("target"), "finding", pk=args.id)
    try:
        until = dt.date.fromisoformat(args.until)
    except ValueError:
        raise CommandError(f"--until {args.until!r}: not a date", EXIT_USAGE, "invalid") from None
    user = acting_user()
    try:
        services.accept_finding(
            finding,
            reason=args.reason,
            expires=until,
            by=getattr(user, "username", "cli"),
            owner=args.owner,
        )
    except ValidationError as exc:
        raise CommandError(validation_text(exc), EXIT_USAGE, "invalid") from None
    emit(args, finding_row(finding), f"finding {finding.pk} accepted until {until}")
    return 0


def handle_check(args) -> int:
    target = find_target(args.target)
    if args.no_wait:
        asked = services.request_checks(target, requested_by=acting_user())
        emit(args, describe(asked.job, with_log=False), f"queued job {asked.job.pk}")
        return 0
    try:
        run = services.run_checks(target)
    except services.ChecksFailed as exc:
        raise CommandError(f"{target.name}: {exc}", EXIT_FAILED, "unreachable") from None
    results = services.describe_results(run)
    data = {**run_row(run), "results": results}
    lines = [f"{target.name}: score {run.score} ({run.passed} passed, {run.failed} failed)"]
    for result in results:
        lines.append(
            f"  {result['status']:7} {result['id']:24} {result['severity']:8} {result['title']}"
            + (f"\n          {result['detail']}" if result["detail"] else "")
        )
    emit(args, data, "\n".join(lines))
    return 0


def run_row(run: SecurityCheckRun) -> dict:
    return {
        "id": run.pk,
        "target": run.target_name,
        "started": run.started.isoformat(timespec="seconds"),
        "status": run.status,
        "score": run.score,
        "change": services.score_change(run),
        "passed": run.passed,
        "failed": run.failed,
        "error": run.error,
    }


def handle_check_runs(args) -> int:
    queryset = SecurityCheckRun.objects.all()
    if args.target:
        queryset = queryset.filter(target_name=find_target(args.target).name)
    rows = [run_row(run) for run in queryset[: max(args.limit, 1)]]
    columns = ["id", "target", "started", "status", "score", "change", "failed"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_config_file(args) -> int:
    target = find_target(args.target)
    if args.path is not None:
        services.set_config_path(target, args.path)
    path = services.config_path_of(target)
    emit(args, {"target": target.name, "path": path}, f"{target.name}: {path or 'not configured'}")
    return 0
