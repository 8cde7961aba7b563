"""``erpkeeper ticket list|show|open|reply|assign|status|close`` and ``erpkeeper mail-in``.

    erpkeeper ticket list --active true --queue Helpdesk --sla warning,breached
    erpkeeper --as helen ticket open --subject "月结报错" --target shop --impact high < text
    erpkeeper --as helen ticket reply ERP-2026-000123 --body "Fixed." [--note] [--attach f.png]
    erpkeeper ticket assign ERP-2026-000123 helen   (or --nobody)
    erpkeeper ticket status ERP-2026-000123 waiting · erpkeeper ticket close ERP-2026-000123
    erpkeeper ticket report --from 2026-11-01 --to 2026-11-30 [--queue NAME] [--xlsx|--pdf FILE]
    erpkeeper mail-in < message.eml       (for a mail server's pipe: one RFC 822 message)

Acting as ``--as USER`` makes that user the author of what is written; without it the CLI
writes as the system.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.filters import TicketFilterSet
from erpkeeper.servicedesk.models import (
    CannedReply,
    Level,
    Queue,
    Ticket,
    TicketCategory,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import IncomingFile, MailRejected, reports
from erpkeeper.servicedesk.services.report_export import report_pdf, report_workbook
from erpkeeper.targets.models import Target

LIST_COLUMNS = ["number", "status", "priority", "sla", "due", "queue", "assignee", "subject"]
MAX_STDIN = 50 * 1024 * 1024  # a mail bigger than this is refused, not read into memory


def register(sub) -> None:
    ticket = sub.add_parser("ticket", help="service desk tickets")
    actions = ticket.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="tickets, most urgent first")
    add_filter_arguments(listing, TicketFilterSet)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="a ticket with its conversation")
    show.add_argument("ticket", help="number or id")
    show.set_defaults(handler=handle_show)
    _register_open(actions)
    _register_reply(actions)
    assign = actions.add_parser("assign", help="give a ticket to an agent")
    assign.add_argument("ticket", help="number or id")
    assign.add_argument("user", nargs="?", help="the agent's user name")
    assign.add_argument("--nobody", action="store_true", help="take it from whoever has it")
    assign.set_defaults(handler=handle_assign)
    move = actions.add_parser("status", help="move a ticket (waiting pauses its SLA)")
    move.add_argument("ticket", help="number or id")
    move.add_argument("status", choices=[choice.value for choice in TicketStatus])
    move.set_defaults(handler=handle_status)
    close = actions.add_parser("close", help="close a ticket for good")
    close.add_argument("ticket", help="number or id")
    close.set_defaults(handler=handle_close)
    _register_report(actions)
    mail_in = sub.add_parser("mail-in", help="file one RFC 822 message read on stdin")
    mail_in.set_defaults(handler=handle_mail_in)


def _register_open(actions) -> None:
    opening = actions.add_parser("open", help="open a ticket (the description on stdin or --body)")
    opening.add_argument("--subject", required=True)
    opening.add_argument("--body", help="the description; default: read stdin")
    opening.add_argument("--category", choices=[c.value for c in TicketCategory], default="other")
    opening.add_argument("--module", dest="erp_module", default="", help="ERP module, e.g. sale")
    opening.add_argument("--target", metavar="NAME")
    opening.add_argument("--impact", choices=[c.value for c in Level], default="low")
    opening.add_argument("--urgency", choices=[c.value for c in Level], default="medium")
    opening.add_argument("--queue", metavar="NAME")
    opening.add_argument("--requester", metavar="USER")
    opening.add_argument("--requester-email", default="")
    opening.add_argument("--attach", action="append", metavar="FILE", default=[])
    opening.set_defaults(handler=handle_open)


def _register_reply(actions) -> None:
    reply = actions.add_parser("reply", help="a public reply (mailed) or --note")
    reply.add_argument("ticket", help="number or id")
    reply.add_argument("--body", help="the text; default: read stdin")
    reply.add_argument("--note", action="store_true", help="an internal note, not mailed")
    reply.add_argument("--canned", metavar="NAME", help="a canned reply instead of a text")
    reply.add_argument("--attach", action="append", metavar="FILE", default=[])
    reply.set_defaults(handler=handle_reply)


def _register_report(actions) -> None:
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


# -- handlers --------------------------------------------------------------------------------------


def handle_list(args) -> int:
    tickets = Ticket.objects.select_related("queue", "assignee")
    tickets = list(filter_from_arguments(TicketFilterSet, tickets, args)[: max(args.limit, 0)])
    rows = [ticket_row(ticket) for ticket in tickets]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_show(args) -> int:
    ticket = find_ticket(args.ticket)
    row = {**ticket_row(ticket), "conversation": conversation(ticket)}
    emit(args, row, render_plain(row))
    return 0


def handle_open(args) -> int:
    ticket = _apply(
        services.open_ticket,
        subject=args.subject,
        body=args.body if args.body is not None else read_text(),
        category=args.category,
        erp_module=args.erp_module,
        target=find_one(Target.objects, "target", name=args.target) if args.target else None,
        impact=args.impact,
        urgency=args.urgency,
        queue=find_one(Queue.objects, "queue", name=args.queue) if args.queue else None,
        requester=find_user(args.requester) if args.requester else None,
        requester_email=args.requester_email,
        author=acting_user(),
        via=Via.CLI,
        attachments=read_files(args.attach),
    )
    emit(args, ticket_row(ticket), f"opened {ticket.number} ({ticket.get_priority_display()})")
    return 0


def handle_reply(args) -> int:
    ticket = find_ticket(args.ticket)
    author = acting_user()
    if args.canned:
        canned = find_one(CannedReply.objects, "canned reply", name=args.canned)
        body = services.render_canned(canned.body, ticket, author)
    else:
        body = args.body if args.body is not None else read_text()
    _apply(
        services.reply,
        ticket,
        body,
        author=author,
        public=not args.note,
        via=Via.CLI,
        attachments=read_files(args.attach),
    )
    ticket.refresh_from_db()
    kind = "note added to" if args.note else "replied to"
    emit(args, ticket_row(ticket), f"{kind} {ticket.number}")
    return 0


def handle_assign(args) -> int:
    if bool(args.user) == bool(args.nobody):
        raise CommandError("name the agent, or --nobody", EXIT_USAGE, "usage")
    ticket = find_ticket(args.ticket)
    assignee = None if args.nobody else find_user(args.user)
    _apply(services.assign, ticket, assignee)
    who = assignee.get_username() if assignee else "nobody"
    emit(args, ticket_row(ticket), f"{ticket.number} assigned to {who}")
    return 0


def handle_status(args) -> int:
    ticket = _apply(services.change_status, find_ticket(args.ticket), args.status)
    emit(args, ticket_row(ticket), f"{ticket.number} is {ticket.status}")
    return 0


def handle_close(args) -> int:
    ticket = _apply(services.close, find_ticket(args.ticket))
    emit(args, ticket_row(ticket), f"{ticket.number} closed")
    return 0


def handle_report(args) -> int:
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


def handle_mail_in(args) -> int:
    """Exit 0 when filed or deliberately ignored (an auto-reply must not bounce), 2 when the
    message is malformed (the mail server bounces it with the one-line reason)."""
    raw = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(raw) > MAX_STDIN:
        raise CommandError("message larger than 50 MB", EXIT_USAGE, "too_large")
    try:
        outcome = services.receive_mail(raw)
    except MailRejected as exc:
        raise CommandError(str(exc), EXIT_USAGE, "malformed") from None
    text = f"{outcome.action} {outcome.ticket.number}" if outcome.ticket else outcome.action
    if outcome.reason:
        text += f": {outcome.reason}"
    for refused in outcome.refused:
        text += f"\nattachment not kept: {refused}"
    emit(args, outcome.as_dict(), text)
    return 0


# -- helpers ---------------------------------------------------------------------------------------


def find_ticket(text: str) -> Ticket:
    text = str(text).strip()
    lookup = {"pk": int(text)} if text.isdigit() and len(text) < 19 else {"number": text}
    ticket = Ticket.objects.select_related("queue", "assignee", "target").filter(**lookup).first()
    if ticket is None:
        raise CommandError(f"no ticket {text}", EXIT_NOT_FOUND, "not_found")
    return ticket


def find_user(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"no user named {username!r}", EXIT_NOT_FOUND, "not_found")
    return user


def read_text() -> str:
    if sys.stdin.isatty():
        raise CommandError("give --body or the text on stdin", EXIT_USAGE, "usage")
    return sys.stdin.read()


def read_files(paths: list[str]) -> list[IncomingFile]:
    files = []
    for name in paths:
        try:
            files.append(IncomingFile(Path(name).name, Path(name).read_bytes()))
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise CommandError(f"cannot read {name}: {reason}", EXIT_USAGE, "unreadable") from None
    return files


def _apply(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except ValidationError as exc:
        raise validation_error(exc) from None


def ticket_row(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "sla": ticket.sla_status,
        "due": f"{ticket.sla_due:%Y-%m-%d %H:%M}" if ticket.sla_due else "",
        "queue": ticket.queue.name if ticket.queue_id else "",
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else "",
        "requester": ticket.requester_display,
        "target": ticket.target.name if ticket.target_id else "",
        "created": ticket.created.isoformat(),
    }


def conversation(ticket: Ticket) -> list[dict]:
    return [
        {
            "at": f"{message.created:%Y-%m-%d %H:%M}",
            "kind": message.kind,
            "author": message.author_display,
            "body": message.body,
        }
        for message in ticket.messages.select_related("author")
    ]
