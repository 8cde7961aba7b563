"""``erpkeeper change list|show|create|submit|approve|reject|schedule|start|complete|review|
close|safety-backup|calendar|ci-secret``.

    erpkeeper change list --state scheduled --target shop
    erpkeeper --as olga change create "Upgrade sale to 8.2" --target shop \\
        --backout "Restore the safety backup" --risk users=some --risk downtime=short
    erpkeeper --as olga change submit CHG-2026-000001
    erpkeeper --as mark change approve CHG-2026-000001 --comment "OK for Saturday"
    erpkeeper --as olga change schedule CHG-2026-000001 \\
        2026-12-12T22:00+08:00 2026-12-13T01:00+08:00
    erpkeeper --as olga change start CHG-2026-000001
    erpkeeper --as olga change complete CHG-2026-000001 implemented --notes "ran in 40 min"
    erpkeeper --as olga change review CHG-2026-000001 --success --lessons "..."
    erpkeeper change calendar --days 30 [--ics changes.ics]
    erpkeeper change ci-secret github           (a new secret, shown once; administrators)

Acting as ``--as USER`` makes that user the actor, and the user's role decides what they may
do; approving and rejecting need a user who sits on the change advisory board.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from erpkeeper.changes import services
from erpkeeper.changes.filters import ChangeRequestFilterSet
from erpkeeper.changes.models import (
    ChangeRequest,
    ChangeTemplate,
    ChangeType,
    CiSource,
    Decision,
    Outcome,
)
from erpkeeper.changes.services import calendar
from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.targets.models import Target

LIST_COLUMNS = ["number", "state", "type", "risk", "targets", "planned_start", "title"]


def register(sub) -> None:
    change = sub.add_parser("change", help="change requests, their calendar and CI secrets")
    actions = change.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="change requests")
    add_filter_arguments(listing, ChangeRequestFilterSet)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=handle_list)
    _number(actions, "show", "a change with its checklist and approvals", handle_show)
    _create_parser(actions)
    _number(actions, "submit", "send a draft to the advisory board", handle_submit)
    for name, text in (("approve", "approve as a board member"), ("reject", "reject")):
        parser = _number(actions, name, text, handle_decide)
        parser.add_argument("--comment", default="")
    schedule = _number(actions, "schedule", "plan the implementation", handle_schedule)
    schedule.add_argument("start", help="ISO time with offset, e.g. 2026-12-12T22:00+08:00")
    schedule.add_argument("end")
    _number(actions, "safety-backup", "back the targets up now", handle_safety)
    _number(actions, "start", "implementation begins", handle_start)
    complete = _number(actions, "complete", "implementation ended", handle_complete)
    complete.add_argument("outcome", choices=Outcome.values)
    complete.add_argument("--notes", default="")
    review = _number(actions, "review", "post-implementation review", handle_review)
    review.add_argument("--success", action="store_true")
    review.add_argument("--issues", default="")
    review.add_argument("--lessons", default="")
    _number(actions, "close", "close a reviewed or rejected change", handle_close)
    cal = actions.add_parser("calendar", help="what is scheduled, or the iCal feed")
    cal.add_argument("--days", type=int, default=30)
    cal.add_argument("--target")
    cal.add_argument("--ics", metavar="FILE", help="write the .ics feed to FILE")
    cal.set_defaults(handler=handle_calendar)
    secret = actions.add_parser("ci-secret", help="a new webhook secret for a CI source")
    secret.add_argument("source", choices=CiSource.values)
    secret.set_defaults(handler=handle_ci_secret)


def _number(actions, name: str, text: str, handler):
    parser = actions.add_parser(name, help=text)
    parser.add_argument("number", help="the change's number, e.g. CHG-2026-000001")
    parser.set_defaults(handler=handler)
    return parser


def _create_parser(actions) -> None:
    create = actions.add_parser("create", help="a new change in draft")
    create.add_argument("title")
    create.add_argument("--type", choices=ChangeType.values, default=ChangeType.NORMAL)
    create.add_argument("--template", help="a template's name (a standard change)")
    create.add_argument("--target", action="append", default=[], help="repeat for several")
    create.add_argument("--description", default="")
    create.add_argument("--implementation", default="", help="the implementation plan")
    create.add_argument("--test", default="", help="the test plan")
    create.add_argument("--backout", default="", help="the backout plan")
    create.add_argument("--step", action="append", default=[], help="a checklist step")
    create.add_argument("--risk", action="append", default=[], metavar="QUESTION=ANSWER")
    create.add_argument("--requires-green-run", action="store_true")
    create.set_defaults(handler=handle_create)


def may(action: str, model: str = "changerequest") -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"changes.{action}_{model}"):
        raise CommandError(
            f"{user.get_username()} may not {action} {model}s", EXIT_USAGE, "forbidden"
        )


def change_row(change: ChangeRequest) -> dict:
    return {
        "number": change.number,
        "title": change.title,
        "state": change.state,
        "type": change.change_type,
        "risk": f"{change.risk_level} ({change.risk_score})",
        "targets": ", ".join(t.name for t in change.targets.all()),
        "planned_start": change.planned_start.isoformat() if change.planned_start else "",
        "planned_end": change.planned_end.isoformat() if change.planned_end else "",
        "awaiting_approval_after_fact": change.awaiting_approval_after_fact,
        "outcome": change.outcome,
    }


def _find(number: str) -> ChangeRequest:
    return find_one(ChangeRequest.objects, "change", number=number)


def _run(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except ValidationError as exc:
        raise validation_error(exc) from None
    except services.IllegalTransition as exc:
        raise CommandError(str(exc), EXIT_USAGE, "illegal_transition") from None
    except PermissionDenied as exc:
        raise CommandError(str(exc), EXIT_USAGE, "forbidden") from None


def _done(args, change: ChangeRequest) -> int:
    change.refresh_from_db()
    emit(args, change_row(change), f"{change.number}: {change.get_state_display()}")
    return 0


def handle_list(args) -> int:
    may("view")
    query = ChangeRequest.objects.prefetch_related("targets").order_by("-created", "-pk")
    changes = filter_from_arguments(ChangeRequestFilterSet, query, args)
    rows = [change_row(c) for c in changes[: max(args.limit, 0)]]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def handle_show(args) -> int:
    may("view")
    change = _find(args.number)
    row = {
        **change_row(change),
        "backout_plan": change.backout_plan,
        "checklist": [f"[{'x' if i.done else ' '}] {i.text}" for i in change.checklist.all()],
        "approvals": [
            f"{a.approver} {a.decision} {a.decided_at:%Y-%m-%d %H:%M}"
            for a in change.approvals.all()
        ],
        "safety_backups": [f"{s.target}: {s.status}" for s in services.safety_status(change)],
    }
    emit(args, row, render_plain(row))
    return 0


def handle_create(args) -> int:
    may("add")
    template = (
        find_one(ChangeTemplate.objects, "template", name=args.template) if args.template else None
    )
    targets = [find_one(Target.objects, "target", name=name) for name in args.target]
    fields = {
        "description": args.description,
        "implementation_plan": args.implementation,
        "test_plan": args.test,
        "backout_plan": args.backout,
        "risk_answers": _answers(args.risk),
        "requires_green_run": args.requires_green_run,
    }
    if template is None:
        fields["change_type"] = args.type
    fields = {k: v for k, v in fields.items() if v not in ("", None) or k == "risk_answers"}
    change = _run(
        services.create_change,
        title=args.title,
        requester=acting_user(),
        targets=targets,
        template=template,
        checklist=args.step,
        **fields,
    )
    return _done(args, change)


def _answers(pairs: list[str]) -> dict:
    answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CommandError(f"--risk {pair}: write QUESTION=ANSWER", EXIT_USAGE, "usage")
        answers[key.strip()] = value.strip()
    return answers


def handle_submit(args) -> int:
    may("change")
    change = _find(args.number)
    _run(services.submit, change, acting_user())
    return _done(args, change)


def handle_decide(args) -> int:
    user = acting_user()
    if user is None:
        raise CommandError(
            "approving needs --as USER: a member of the change advisory board", EXIT_USAGE, "usage"
        )
    change = _find(args.number)
    decision = Decision.APPROVE if args.action == "approve" else Decision.REJECT
    _run(services.decide, change, user, decision, args.comment)
    return _done(args, change)


def handle_schedule(args) -> int:
    may("change")
    change = _find(args.number)
    start, end = _moment(args.start), _moment(args.end)
    _run(services.schedule, change, start, end, acting_user())
    return _done(args, change)


def _moment(text: str) -> dt.datetime:
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{text}: not an ISO time such as 2026-12-12T22:00+08:00", EXIT_USAGE)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def handle_safety(args) -> int:
    may("change")
    change = _find(args.number)
    made = _run(services.request_safety_backups, change, acting_user())
    rows = [{"target": s.target.name, "job": s.job_id} for s in made]
    emit(args, rows, table(rows, ["target", "job"]))
    return 0


def handle_start(args) -> int:
    may("change")
    change = _find(args.number)
    _run(services.start, change, acting_user())
    return _done(args, change)


def handle_complete(args) -> int:
    may("change")
    change = _find(args.number)
    _run(services.complete, change, args.outcome, args.notes, acting_user())
    return _done(args, change)


def handle_review(args) -> int:
    may("change")
    change = _find(args.number)
    _run(
        services.review,
        change,
        success=args.success,
        issues=args.issues,
        lessons=args.lessons,
        actor=acting_user(),
    )
    return _done(args, change)


def handle_close(args) -> int:
    may("change")
    change = _find(args.number)
    _run(services.close, change, acting_user())
    return _done(args, change)


def handle_calendar(args) -> int:
    may("view")
    target = find_one(Target.objects, "target", name=args.target) if args.target else None
    if args.ics:
        body = calendar.ical(target)
        Path(args.ics).write_bytes(body)
        emit(args, {"file": args.ics, "bytes": len(body)}, f"{args.ics}: {len(body)} bytes")
        return 0
    start = timezone.now()
    found = calendar.entries(start, start + dt.timedelta(days=max(args.days, 1)), target)
    rows = [
        {
            "kind": e.kind,
            "start": timezone.localtime(e.start).strftime("%Y-%m-%d %H:%M"),
            "end": timezone.localtime(e.end).strftime("%Y-%m-%d %H:%M"),
            "title": e.title,
        }
        for e in found
    ]
    emit(args, rows, table(rows, ["kind", "start", "end", "title"]))
    return 0


def handle_ci_secret(args) -> int:
    may("change", "cisecret")
    secret = services.set_secret(args.source)
    emit(
        args,
        {"source": args.source, "secret": secret},
        f"{args.source}: {secret}\n(shown once; the previous secret no longer works)",
    )
    return 0
