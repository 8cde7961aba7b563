"""Problem records: the cause behind incidents, found once and told to every ticket it hurts.

    create_problem(title, tickets)  new, the tickets linked, their targets the affected ones
    link / unlink                   a ticket belongs to one problem at most
    record_diagnosis(...)           root cause, known error, workaround; the status follows
                                    (investigating, then known error); a new workaround goes
                                    to the linked active tickets as a note, and if asked as a
                                    public reply (mailed) to their requesters
    resolve_problem(...)            resolved; optionally every linked active ticket resolved
                                    with a public reply
    close_problem                   closed for good

Each operation is one transaction, saved through the models (the audit trail records it).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import (
    MessageKind,
    Problem,
    ProblemStatus,
    Ticket,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import tickets as ticket_services
from erpkeeper.servicedesk.services.numbers import save_with_number

DIAGNOSED = (ProblemStatus.NEW, ProblemStatus.INVESTIGATING)
FINAL = (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)


def create_problem(
    *,
    title: str,
    tickets: Iterable[Ticket] = (),
    description: str = "",
    owner=None,
    targets: Iterable = (),
) -> Problem:
    """A new problem record grouping ``tickets``; their affected targets become its own."""
    tickets = list(tickets)
    problem = Problem(title=" ".join(str(title).split())[:255], description=str(description))
    problem.owner = owner
    problem.full_clean(exclude=["number", "created"], validate_unique=False)
    now = timezone.now()
    with transaction.atomic():
        problem.created = now
        save_with_number(problem, settings.SERVICEDESK_PROBLEM_PREFIX, now)
        found = {t.target_id for t in tickets if t.target_id} | {t.pk for t in targets}
        if found:
            problem.targets.add(*found)
        link(problem, tickets)
    return problem


DIAGNOSIS = ("root_cause", "known_error", "workaround")
EDITABLE = ("title", "description", "owner", *DIAGNOSIS)


def update_problem(problem: Problem, *, author=None, via: str = Via.CONSOLE, **changes) -> Problem:
    """Change the title, description or owner; root cause, known error and workaround go
    through ``record_diagnosis`` (a new workaround is noted on the incidents)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))
    _refuse_if_closed(problem)
    diagnosis = {name: changes.pop(name) for name in DIAGNOSIS if name in changes}
    with transaction.atomic():
        for name, value in changes.items():
            setattr(problem, name, value)
        problem.full_clean(exclude=["number", "created"], validate_unique=False)
        problem.save()
        if diagnosis:
            record_diagnosis(problem, author=author, via=via, **diagnosis)
    return problem


def link(problem: Problem, tickets: Iterable[Ticket]) -> Problem:
    """Link tickets to the problem (a ticket linked to another problem moves here)."""
    _refuse_if_closed(problem)
    with transaction.atomic():
        for ticket in tickets:
            if ticket.merged_into_id:
                raise ValidationError(
                    _("%(number)s was merged into another ticket; link that one.")
                    % {"number": ticket.number}
                )
            if ticket.problem_id != problem.pk:
                ticket.problem = problem
                ticket.save(update_fields=["problem", "updated"])
            if ticket.target_id:
                problem.targets.add(ticket.target_id)
        problem.save(update_fields=["updated"])
    return problem


def unlink(problem: Problem, tickets: Iterable[Ticket]) -> Problem:
    """Take tickets out of the problem (those not in it are left alone)."""
    with transaction.atomic():
        for ticket in tickets:
            if ticket.problem_id == problem.pk:
                ticket.problem = None
                ticket.save(update_fields=["problem", "updated"])
        problem.save(update_fields=["updated"])
    return problem


def record_diagnosis(
    problem: Problem,
    *,
    root_cause: str | None = None,
    known_error: str | None = None,
    workaround: str | None = None,
    author=None,
    tell_requesters: bool = False,
    via: str = Via.CONSOLE,
) -> Problem:
    """Record what was found (None leaves a field as it is). A root cause moves a new problem
    to *investigating*, a known error or a workaround to *known error*. A new or changed
    workaround is noted on every linked active ticket and, with ``tell_requesters``, sent to
    their requesters as a public reply."""
    _refuse_if_closed(problem)
    given = {"root_cause": root_cause, "known_error": known_error, "workaround": workaround}
    given = {name: str(value).strip() for name, value in given.items() if value is not None}
    new_workaround = "workaround" in given and given["workaround"] != problem.workaround
    if tell_requesters and not (given.get("workaround") or problem.workaround):
        raise ValidationError({"workaround": [_("Write the workaround to send.")]})
    with transaction.atomic():
        for name, value in given.items():
            setattr(problem, name, value)
        problem.status = _status_after_diagnosis(problem)
        problem.save()
        if (new_workaround and problem.workaround) or tell_requesters:
            publish_workaround(problem, author=author, tell_requesters=tell_requesters, via=via)
    return problem


def _status_after_diagnosis(problem: Problem) -> str:
    if problem.status not in DIAGNOSED:
        return problem.status
    if problem.known_error or problem.workaround:
        return ProblemStatus.KNOWN_ERROR
    if problem.root_cause:
        return ProblemStatus.INVESTIGATING
    return problem.status


def publish_workaround(problem: Problem, *, author=None, tell_requesters=False, via=Via.CONSOLE):
    """The workaround as a note on each linked active ticket; with ``tell_requesters`` also a
    public reply (mailed to the requester). Returns how many tickets got it."""
    values = {"number": problem.number, "title": problem.title, "text": problem.workaround}
    note = _("Workaround from problem %(number)s (%(title)s):\n\n%(text)s") % values
    count = 0
    for ticket in active_incidents(problem):
        TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=author, body=note, via=via
        )
        if tell_requesters:
            ticket_services.reply(ticket, problem.workaround, author=author, public=True, via=via)
        count += 1
    return count


def resolve_problem(
    problem: Problem,
    *,
    author=None,
    resolve_incidents: bool = False,
    reply: str = "",
    via: str = Via.CONSOLE,
) -> Problem:
    """Resolved. With ``resolve_incidents`` every linked active ticket gets ``reply`` as a
    public reply (required then) and is resolved."""
    if problem.status in FINAL:
        raise ValidationError(
            _("Problem %(number)s is already %(status)s.")
            % {"number": problem.number, "status": problem.get_status_display()}
        )
    reply = str(reply).strip()
    if resolve_incidents and not reply:
        raise ValidationError({"reply": [_("Write the reply the requesters get.")]})
    with transaction.atomic():
        problem.status = ProblemStatus.RESOLVED
        problem.resolved_at = timezone.now()
        problem.save()
        if resolve_incidents:
            for ticket in active_incidents(problem):
                ticket_services.reply(ticket, reply, author=author, public=True, via=via)
                ticket.refresh_from_db()
                ticket_services.change_status(ticket, TicketStatus.RESOLVED)
    return problem


def close_problem(problem: Problem) -> Problem:
    if problem.status == ProblemStatus.CLOSED:
        return problem
    now = timezone.now()
    problem.status = ProblemStatus.CLOSED
    problem.closed_at = now
    problem.resolved_at = problem.resolved_at or now
    problem.save()
    return problem


def tickets_by_numbers(texts: Iterable[str]) -> list[Ticket]:
    """The tickets named by number (or id), in the order given; ValidationError naming those
    that do not exist."""
    found, missing = [], []
    for text in texts:
        text = str(text).strip()
        lookup = {"pk": int(text)} if text.isdigit() and len(text) < 19 else {"number": text}
        ticket = Ticket.objects.filter(**lookup).first()
        (found if ticket else missing).append(ticket or text)
    if missing:
        raise ValidationError(
            {"tickets": [_("No ticket %(numbers)s.") % {"numbers": ", ".join(missing)}]}
        )
    return found


def active_incidents(problem: Problem):
    return problem.incidents.filter(status__in=ticket_services.ACTIVE).order_by("created", "pk")


def _refuse_if_closed(problem: Problem) -> None:
    if problem.status == ProblemStatus.CLOSED:
        raise ValidationError(_("Problem %(number)s is closed.") % {"number": problem.number})
