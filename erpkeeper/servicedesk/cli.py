"""``erpkeeper ticket list|show|open|reply|assign|status|close``, ``erpkeeper problem
list|show|create|link|unlink|diagnose|resolve|close`` and ``erpkeeper mail-in``.

    erpkeeper ticket list --active true --queue Helpdesk --sla warning,breached
    erpkeeper --as helen ticket list --saved "My P1"      (a saved filter, with more filters)
    erpkeeper --as olga problem create --title "Nightly MRP locks" ERP-2026-000123 ERP-2026-000130
    erpkeeper --as olga problem diagnose PRB-2026-000001 --workaround "Rerun at 07:00" --tell
    erpkeeper --as olga problem resolve PRB-2026-000001 --resolve-incidents --reply "Fixed."
    erpkeeper --as helen ticket open --subject "月结报错" --target shop --impact high < text
    erpkeeper --as helen ticket reply ERP-2026-000123 --body "Fixed." [--note] [--attach f.png]
    erpkeeper ticket assign ERP-2026-000123 helen   (or --nobody)
    erpkeeper ticket status ERP-2026-000123 waiting · erpkeeper ticket close ERP-2026-000123
    erpkeeper ticket report --from 2026-11-01 --to 2026-11-30 [--queue NAME] [--xlsx|--pdf FILE]
    erpkeeper mail-in < message.eml       (for a mail server's pipe: one RFC 822 message)

Acting as ``--as USER`` makes that user the author of what is written, and the user's role
decides what they may read and change (tickets carry end users' personal data); without it the
CLI acts as the system (whoever may run it may read the database anyway).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import (
    add_filter_arguments,
    filter_from_arguments,
    filter_options,
    query_text,
)
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.cli_calendar import register_calendar
from erpkeeper.servicedesk.cli_reports import register_report
from erpkeeper.servicedesk.filters import ProblemFilterSet, TicketFilterSet
from erpkeeper.servicedesk.models import (
    CannedReply,
    Level,
    Problem,
    Queue,
    Ticket,
    TicketCategory,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import IncomingFile, MailRejected
from erpkeeper.targets.models import Target

LIST_COLUMNS = ["number", "status", "priority", "sla", "due", "queue", "assignee", "subject"]
MAX_STDIN = 50 * 1024 * 1024  # a mail bigger than this is refused, not read into memory


def register(sub) -> None:
    ticket = sub.add_parser("ticket", help="service desk tickets")
    actions = ticket.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="tickets, most urgent first")
    add_filter_arguments(listing, TicketFilterSet)
    listing.add_argument("--saved", metavar="NAME", help="a saved filter (its name or id)")
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
    register_report(actions)
    register_calendar(actions)
    mail_in = sub.add_parser("mail-in", help="file one RFC 822 message read on stdin")
    mail_in.set_defaults(handler=handle_mail_in)
    _register_problem(sub)


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


# -- handlers --------------------------------------------------------------------------------------


def handle_list(args) -> int:
    may("view")
    tickets = Ticket.objects.select_related("queue", "assignee", "requester", "target", "problem")
    if args.saved:
        saved = _apply(services.find_saved_filter, acting_user(), args.saved)
        given = {
            name: query_text(value)
            for name, value in filter_options(args, TicketFilterSet).items()
            if value is not None
        }
        tickets = _apply(services.apply_saved_filter, saved, tickets, given)
    else:
        tickets = filter_from_arguments(TicketFilterSet, tickets, args)
    rows = [ticket_row(ticket) for ticket in tickets[: max(args.limit, 0)]]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_show(args) -> int:
    may("view")
    ticket = find_ticket(args.ticket)
    row = {**ticket_row(ticket), "conversation": conversation(ticket)}
    emit(args, row, render_plain(row))
    return 0


def handle_open(args) -> int:
    may("add")
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
    may("change")
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
    may("change")
    ticket = find_ticket(args.ticket)
    assignee = None if args.nobody else find_user(args.user)
    _apply(services.assign, ticket, assignee)
    who = assignee.get_username() if assignee else "nobody"
    emit(args, ticket_row(ticket), f"{ticket.number} assigned to {who}")
    return 0


def handle_status(args) -> int:
    may("change")
    ticket = _apply(services.change_status, find_ticket(args.ticket), args.status)
    emit(args, ticket_row(ticket), f"{ticket.number} is {ticket.status}")
    return 0


def handle_close(args) -> int:
    may("change")
    ticket = _apply(services.close, find_ticket(args.ticket))
    emit(args, ticket_row(ticket), f"{ticket.number} closed")
    return 0


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
    related = ("queue", "assignee", "target", "problem")
    ticket = Ticket.objects.select_related(*related).filter(**lookup).first()
    if ticket is None:
        raise CommandError(f"no ticket {text}", EXIT_NOT_FOUND, "not_found")
    return ticket


def may(action: str, model: str = "ticket") -> None:
    """The ``--as`` user must hold the permission (tickets carry end users' personal data);
    without ``--as`` the CLI acts as the system."""
    user = acting_user()
    if user is not None and not user.has_perm(f"servicedesk.{action}_{model}"):
        name = user.get_username()
        raise CommandError(f"{name} may not {action} {model}s", EXIT_USAGE, "forbidden")


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
        "problem": ticket.problem.number if ticket.problem_id else "",
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


# -- problems --------------------------------------------------------------------------------------

PROBLEM_COLUMNS = ["number", "status", "incidents", "targets", "owner", "title"]


def _register_problem(sub) -> None:
    problem = sub.add_parser("problem", help="problem records: the cause behind incidents")
    actions = problem.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="problem records, newest first")
    add_filter_arguments(listing, ProblemFilterSet)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=handle_problem_list)
    show = actions.add_parser("show", help="a problem with its incidents")
    show.add_argument("problem", help="number or id")
    show.set_defaults(handler=handle_problem_show)
    create = actions.add_parser("create", help="a problem from one or more tickets")
    create.add_argument("tickets", nargs="*", metavar="TICKET", help="ticket numbers or ids")
    create.add_argument("--title", required=True)
    create.add_argument("--description", default="")
    create.add_argument("--owner", metavar="USER")
    create.set_defaults(handler=handle_problem_create)
    for name, text, handler in (
        ("link", "link tickets to a problem", handle_problem_link),
        ("unlink", "take tickets out of a problem", handle_problem_unlink),
    ):
        linking = actions.add_parser(name, help=text)
        linking.add_argument("problem", help="number or id")
        linking.add_argument("tickets", nargs="+", metavar="TICKET")
        linking.set_defaults(handler=handler)
    _register_problem_changes(actions)


def _register_problem_changes(actions) -> None:
    diagnose = actions.add_parser("diagnose", help="record root cause, known error, workaround")
    diagnose.add_argument("problem", help="number or id")
    diagnose.add_argument("--root-cause")
    diagnose.add_argument("--known-error")
    diagnose.add_argument("--workaround")
    diagnose.add_argument(
        "--tell", action="store_true", help="also send the workaround to the requesters (mailed)"
    )
    diagnose.set_defaults(handler=handle_problem_diagnose)
    resolve = actions.add_parser("resolve", help="resolve a problem (and its incidents)")
    resolve.add_argument("problem", help="number or id")
    resolve.add_argument(
        "--resolve-incidents", action="store_true", help="resolve every linked active ticket"
    )
    resolve.add_argument("--reply", default="", help="the public reply those tickets get")
    resolve.set_defaults(handler=handle_problem_resolve)
    close = actions.add_parser("close", help="close a problem for good")
    close.add_argument("problem", help="number or id")
    close.set_defaults(handler=handle_problem_close)


def handle_problem_list(args) -> int:
    may("view", "problem")
    problems = Problem.objects.select_related("owner").prefetch_related("targets")
    problems = filter_from_arguments(ProblemFilterSet, problems, args)
    rows = [problem_row(problem) for problem in problems[: max(args.limit, 0)]]
    emit(args, rows, table(rows, PROBLEM_COLUMNS))
    return 0


def handle_problem_show(args) -> int:
    may("view", "problem")
    problem = find_problem(args.problem)
    row = {
        **problem_row(problem),
        "description": problem.description,
        "root_cause": problem.root_cause,
        "known_error": problem.known_error,
        "workaround": problem.workaround,
        "incident_list": [
            ticket_row(ticket)
            for ticket in problem.incidents.select_related("queue", "assignee", "target").order_by(
                "created", "pk"
            )
        ],
    }
    emit(args, row, render_plain(row))
    return 0


def handle_problem_create(args) -> int:
    may("add", "problem")
    problem = _apply(
        services.create_problem,
        title=args.title,
        description=args.description,
        tickets=[find_ticket(text) for text in args.tickets],
        owner=find_user(args.owner) if args.owner else acting_user(),
    )
    emit(args, problem_row(problem), f"created {problem.number}")
    return 0


def handle_problem_link(args) -> int:
    may("change", "problem")
    problem = find_problem(args.problem)
    _apply(services.link, problem, [find_ticket(text) for text in args.tickets])
    emit(args, problem_row(problem), f"{problem.number}: {problem.incidents.count()} incidents")
    return 0


def handle_problem_unlink(args) -> int:
    may("change", "problem")
    problem = find_problem(args.problem)
    _apply(services.unlink, problem, [find_ticket(text) for text in args.tickets])
    emit(args, problem_row(problem), f"{problem.number}: {problem.incidents.count()} incidents")
    return 0


def handle_problem_diagnose(args) -> int:
    may("change", "problem")
    problem = _apply(
        services.record_diagnosis,
        find_problem(args.problem),
        root_cause=args.root_cause,
        known_error=args.known_error,
        workaround=args.workaround,
        author=acting_user(),
        tell_requesters=args.tell,
        via=Via.CLI,
    )
    emit(args, problem_row(problem), f"{problem.number} is {problem.status}")
    return 0


def handle_problem_resolve(args) -> int:
    may("change", "problem")
    problem = _apply(
        services.resolve_problem,
        find_problem(args.problem),
        author=acting_user(),
        resolve_incidents=args.resolve_incidents,
        reply=args.reply,
        via=Via.CLI,
    )
    emit(args, problem_row(problem), f"{problem.number} resolved")
    return 0


def handle_problem_close(args) -> int:
    may("change", "problem")
    problem = _apply(services.close_problem, find_problem(args.problem))
    emit(args, problem_row(problem), f"{problem.number} closed")
    return 0


def find_problem(text: str) -> Problem:
    text = str(text).strip()
    lookup = {"pk": int(text)} if text.isdigit() and len(text) < 19 else {"number": text}
    problem = Problem.objects.select_related("owner").filter(**lookup).first()
    if problem is None:
        raise CommandError(f"no problem {text}", EXIT_NOT_FOUND, "not_found")
    return problem


def problem_row(problem: Problem) -> dict:
    return {
        "id": problem.pk,
        "number": problem.number,
        "title": problem.title,
        "status": problem.status,
        "incidents": problem.incidents.count(),
        "targets": ", ".join(sorted(target.name for target in problem.targets.all())),
        "owner": problem.owner.get_username() if problem.owner_id else "",
        "created": problem.created.isoformat(),
        "resolved": problem.resolved_at.isoformat() if problem.resolved_at else "",
    }
