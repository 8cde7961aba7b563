"""``erpkeeper privacy scan|scans|findings|map|rules``: personal-data discovery in an ERP.

``scan`` queues a scan for the worker; with --wait it runs here with a progress bar (no worker
needed). Output holds counts and columns only, never a value read from the ERP.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.detectors import Category, Confidence
from erpkeeper.governance.privacy.filters import ColumnFindingFilterSet
from erpkeeper.governance.privacy.models import ColumnFinding, PrivacyScan, RetentionRule
from erpkeeper.lib.cli import EXIT_NOT_FOUND, CommandError, emit, find_one, table, validation_error
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.targets.cli import find_target

FINDING_COLUMNS = [
    "table",
    "column",
    "model",
    "field",
    "category",
    "matched",
    "sampled",
    "match_rate",
    "rows_affected",
    "rows_past_retention",
    "confidence",
]


def register(sub) -> None:
    privacy = sub.add_parser("privacy", help="personal-data discovery in the ERP database")
    actions = privacy.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    scan = actions.add_parser("scan", help="scan a target's ERP database for personal data")
    scan.add_argument("target")
    how = scan.add_mutually_exclusive_group()
    how.add_argument("--sample", type=int, metavar="N", help="values read per column (200)")
    how.add_argument("--full", action="store_true", help="read every row (slower, exact)")
    scan.add_argument("--wait", action="store_true", help="run here with a progress bar")
    scan.set_defaults(handler=handle_scan)

    scans = actions.add_parser("scans", help="scans, newest first")
    scans.add_argument("target", nargs="?")
    scans.add_argument("--limit", type=int, default=20)
    scans.set_defaults(handler=handle_scans)

    findings = actions.add_parser("findings", help="what a scan found, per column")
    add_filter_arguments(findings, ColumnFindingFilterSet, positional=("target",))
    findings.set_defaults(handler=handle_findings)

    mapped = actions.add_parser("map", help="which ERP model holds which personal data")
    mapped.add_argument("target")
    mapped.add_argument("--confidence", choices=Confidence.values, default=Confidence.LOW)
    mapped.set_defaults(handler=handle_map)

    rules = actions.add_parser("rules", help="retention rules per category")
    rules.set_defaults(handler=handle_rules)

    rule = actions.add_parser("rule", help="set or remove a retention rule")
    rule_actions = rule.add_subparsers(dest="rule_action", metavar="ACTION")
    rule_actions.required = True
    put = rule_actions.add_parser("set", help="keep CATEGORY for DAYS (per model or for all)")
    put.add_argument("category", choices=Category.values)
    put.add_argument("days", type=int)
    put.add_argument("--model", default="", help="only this ERP model")
    put.add_argument("--date-column", default="create_date")
    put.add_argument("--note", default="")
    put.set_defaults(handler=handle_rule_set)
    remove = rule_actions.add_parser("remove", help="remove a rule")
    remove.add_argument("category", choices=Category.values)
    remove.add_argument("--model", default="")
    remove.set_defaults(handler=handle_rule_remove)


def handle_scan(args) -> int:
    target = find_target(args.target)
    try:
        asked = services.request_scan(
            target, requested_by=acting_user(), sample_size=args.sample, full=args.full
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    if not args.wait:
        emit(args, describe(asked.job, with_log=False), f"queued job {asked.job.pk}")
        return 0
    return run_here(args, asked.job)


def handle_scans(args) -> int:
    found = PrivacyScan.objects.all()
    if args.target:
        found = found.filter(target_name=find_target(args.target).name)
    rows = [
        {
            "id": s.pk,
            "target": s.target_name,
            "started": s.started.isoformat(timespec="minutes"),
            "status": s.status,
            "mode": "full" if s.full else f"sample {s.sample_size}",
            "columns": s.columns_scanned,
            "findings": s.findings_count,
            "error": s.error,
        }
        for s in found[: max(args.limit, 1)]
    ]
    columns = ["id", "target", "started", "status", "mode", "columns", "findings", "error"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_findings(args) -> int:
    found = ColumnFinding.objects.select_related("scan")
    if not getattr(args, "scan", None):
        # the newest succeeded scan of the target (or of each target) by default
        found = found.filter(scan__in=_newest_scans(getattr(args, "target", None)))
    found = filter_from_arguments(ColumnFindingFilterSet, found, args)
    rows = [finding_row(f) for f in found.order_by("scan_id", "table", "column", "category")]
    emit(args, rows, table(rows, ["scan", *FINDING_COLUMNS]) if rows else "no findings")
    return 0


def _newest_scans(target_name):
    scans = PrivacyScan.objects.filter(status="succeeded")
    if target_name:
        scans = scans.filter(target_name=find_target(target_name).name)
    newest = {}
    for scan in scans.order_by("target_name", "-started"):
        newest.setdefault(scan.target_name, scan.pk)
    return list(newest.values())


def finding_row(finding: ColumnFinding) -> dict:
    return {
        "scan": finding.scan_id,
        "table": finding.table,
        "column": finding.column,
        "model": finding.model,
        "field": finding.field,
        "category": finding.category,
        "matched": finding.matched,
        "sampled": finding.sampled,
        "match_rate": round(finding.match_rate, 3),
        "rows_affected": finding.rows_affected,
        "rows_past_retention": finding.rows_past_retention,
        "confidence": finding.confidence,
    }


def handle_map(args) -> int:
    target = find_target(args.target)
    mapped = services.data_map(target, min_confidence=args.confidence)
    scan = mapped["scan"]
    if scan is None:
        raise CommandError(
            f"{target.name} has no succeeded scan yet: run erpkeeper privacy scan {target.name}",
            EXIT_NOT_FOUND,
            "not_found",
        )
    rows = [
        {
            "model": entry["model"],
            "table": entry["table"],
            "category": item["category"],
            "columns": ", ".join(item["columns"]),
            "rows_affected": item["rows_affected"],
            "rows_past_retention": item["rows_past_retention"],
            "confidence": item["confidence"],
        }
        for entry in mapped["models"]
        for item in entry["categories"]
    ]
    text = f"data map of {target.name} from scan {scan.pk} ({scan.started:%Y-%m-%d %H:%M})\n"
    text += table(rows, list(rows[0])) if rows else "no personal data found"
    emit(args, rows, text)
    return 0


def handle_rules(args) -> int:
    rows = [
        {
            "id": r.pk,
            "category": r.category,
            "model": r.model or "*",
            "days": r.days,
            "date_column": r.date_column,
            "note": r.note,
        }
        for r in RetentionRule.objects.all()
    ]
    columns = ["id", "category", "model", "days", "date_column", "note"]
    emit(args, rows, table(rows, columns) if rows else "no retention rules")
    return 0


def handle_rule_set(args) -> int:
    rule = RetentionRule.objects.filter(category=args.category, model=args.model.strip()).first()
    rule = rule or RetentionRule(category=args.category, model=args.model)
    rule.days = args.days
    rule.date_column = args.date_column
    rule.note = args.note
    try:
        services.save_retention_rule(rule)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, {"id": rule.pk, "category": rule.category, "days": rule.days}, f"rule {rule}")
    return 0


def handle_rule_remove(args) -> int:
    rule = find_one(
        RetentionRule.objects, "retention rule", category=args.category, model=args.model
    )
    services.delete_retention_rule(rule)
    emit(args, {"removed": rule.category}, f"removed the {rule.category} rule")
    return 0
