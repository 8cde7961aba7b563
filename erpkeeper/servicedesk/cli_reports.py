"""``erpkeeper ticket report``: the desk's report for a period, as text, JSON (--json), a
workbook with one sheet per measure (--xlsx FILE) or a PDF of its tables (--pdf FILE).

    erpkeeper ticket report --from 2026-11-01 --to 2026-11-30 [--queue NAME] [--target NAME]

Bad input (a date that is not YYYY-MM-DD, an unknown queue) exits 2 with one line. With ``--as
USER`` that user must be allowed to see reports (agents, managers, administrators).
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import EXIT_FAILED, EXIT_USAGE, CommandError, emit, validation_error
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.servicedesk.services import reports
from erpkeeper.servicedesk.services.report_export import report_pdf, report_workbook

PERMISSION = "servicedesk.view_reports"


def register_report(actions) -> None:
    report = actions.add_parser(
        "report", help="the desk's report for a period (--json, or --xlsx FILE: one sheet each)"
    )
    report.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="default: 30 days ago")
    report.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="default: today")
    report.add_argument("--queue", metavar="NAME")
    report.add_argument("--target", metavar="NAME")
    report.add_argument("--group", choices=reports.GRAINS, help="volume per day or per week")
    report.add_argument("--pdf", metavar="FILE", help="write the report's tables as a PDF")
    report.set_defaults(handler=handle_report)


def handle_report(args) -> int:
    user = acting_user()
    if user is not None and not user.has_perm(PERMISSION):
        name = user.get_username()
        raise CommandError(f"{name} may not view the desk's reports", EXIT_USAGE, "forbidden")
    try:
        period = reports.parse_period(
            args.start, args.end, queue=args.queue, target=args.target, grain=args.group
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    report = reports.desk_report(period)
    if getattr(args, "xlsx", None):
        write_report_file(args, args.xlsx, report_workbook, report)
    elif args.pdf:
        write_report_file(args, args.pdf, report_pdf, report)
    else:
        emit(args, report, report_text(report))
    return 0


def write_report_file(args, path: str, make, report: dict) -> None:
    try:
        content = make(report)
    except PdfUnavailable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "pdf_unavailable") from None
    try:
        with open(path, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CommandError(f"cannot write {path}: {reason}", EXIT_FAILED, "unwritable") from None
    if getattr(args, "json", False):
        print(json.dumps({"written": path}))
    else:
        print(f"report written to {path}")


def report_text(report: dict) -> str:
    """The report's headline numbers, one line each (all of it: --json or --xlsx)."""
    period, volume, csat = report["period"], report["volume"], report["csat"]
    created, resolved = (sum(row[key] for row in volume) for key in ("created", "resolved"))
    ages = ", ".join(f"{row['age']} {row['tickets']}" for row in report["backlog"]["ages"])
    sla = ", ".join(
        f"{row['priority']} response {_rate(row['response_percent'])}"
        f" resolution {_rate(row['resolution_percent'])}"
        for row in report["sla"]
    )
    workload = ", ".join(
        f"{row['assignee'] or 'nobody'} {row['active']} active / {row['resolved']} resolved"
        for row in report["workload"]
    )
    return "\n".join(
        [
            f"period {period['from']} .. {period['to']}, queue {period['queue'] or 'all'}",
            f"created {created}, resolved {resolved}",
            f"backlog {report['backlog']['total']}: {ages}",
            f"SLA met: {sla}",
            _share("first contact resolution", report["first_contact_resolution"],
                   "first_contact", "resolved"),
            _share("reopened", report["reopened"], "reopened", "resolved"),
            f"satisfaction {csat['average'] or 'no data'} ({csat['ratings']} ratings)",
            _share("deflection", report["deflection"], "deflected", "searches"),
            f"workload: {workload or 'none'}",
        ]
    )  # fmt: skip


def _share(name: str, measure: dict, part: str, whole: str) -> str:
    return f"{name} {_rate(measure['percent'])} ({measure[part]}/{measure[whole]})"


def _rate(value) -> str:
    return "no data" if value is None else f"{value} %"
