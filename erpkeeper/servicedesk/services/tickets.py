"""Ticket operations: open, reply, note, assign, change status, reopen, merge, link, rate.

Every change is saved through the models, so the audit trail records it with whoever the
calling interface put in the audit context. Each operation is one transaction: a refused
attachment or a bad value leaves nothing written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import (
    ACTIVE_STATUSES,
    Assignment,
    MailState,
    MessageKind,
    Queue,
    SlaClockKind,
    SlaStatus,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import mail_out, numbers, sla
from erpkeeper.servicedesk.services.attachments import (
    IncomingFile,
    atomic_with_files,
    attach,
    check_files,
)
from erpkeeper.servicedesk.services.numbers import save_with_number

ACTIVE = ACTIVE_STATUSES
ALLOWED_MOVES = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED},
    TicketStatus.OPEN: {TicketStatus.WAITING, TicketStatus.RESOLVED},
    TicketStatus.WAITING: {TicketStatus.OPEN, TicketStatus.RESOLVED},
    TicketStatus.RESOLVED: {TicketStatus.OPEN},
    TicketStatus.CLOSED: set(),
}
MAX_SUBJECT = 255


# -- opening --------------------------------------------------------------------------------------


def open_ticket(
    *,
    subject: str,
    body: str,
    requester=None,
    requester_email: str = "",
    requester_name: str = "",
    category: str = TicketCategory.OTHER,
    erp_module: str = "",
    target=None,
    impact: str = "low",
    urgency: str = "medium",
    queue: Queue | None = None,
    kind: str = TicketKind.REQUEST,
    via: str = Via.CONSOLE,
    author=None,
    attachments: Sequence[IncomingFile] = (),
    mail_message_id: str = "",
    source_key: str = "",
    parent: Ticket | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """A new ticket with its first message (the description), clocks started, handed out by
    the queue's rule, and the requester told its number by mail. ``now`` (default: the
    present) is for a history filled in afterwards, such as the demo's."""
    subject, body = " ".join(str(subject).split())[:MAX_SUBJECT], str(body).strip()
    ticket = Ticket(
        subject=subject,
        category=category,
        erp_module=erp_module.strip(),
        target=target,
        impact=impact,
        urgency=urgency,
        queue=queue or default_queue(),
        kind=kind,
        requester=requester,
        requester_email=requester_email or (requester.email if requester else ""),
        requester_name=requester_name,
        source_key=source_key,
        parent=parent,
    )
    _validate_new(ticket, body)
    check_files(list(attachments))
    now = now or timezone.now()
    with atomic_with_files():
        ticket.priority = sla.priority_for(ticket.impact, ticket.urgency)
        ticket.created = now
        sla.start_clocks(ticket, now)
        _save_with_number(ticket, now)
        first = TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY,
            author=author or requester,
            author_email=ticket.requester_email,
            from_requester=author is None or author == requester,
            body=body,
            via=via,
            mail_message_id=mail_message_id,
            created=now,
        )
        for file in attachments:
            attach(ticket, first, file, author or requester)
        auto_assign(ticket)
        if ticket.kind == TicketKind.REQUEST:
            # On the portal the requester reads the page's language: answer in it.
            seen = translation.get_language() if via == Via.PORTAL else None
            mail_out.acknowledge(ticket, seen)
    return ticket


def _validate_new(ticket: Ticket, body: str) -> None:
    errors = {}
    try:
        ticket.full_clean(exclude=["number", "priority", "created"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not body:
        errors["body"] = [_("Describe the problem or the request.")]
    if errors:
        raise ValidationError(errors)


def _save_with_number(ticket: Ticket, now: dt.datetime) -> None:
    """Number it ``ERP-2026-000123``: the year's next one (see ``numbers``)."""
    save_with_number(ticket, settings.SERVICEDESK_TICKET_PREFIX, now)


def next_number(year: int) -> str:
    return numbers.next_number(Ticket, settings.SERVICEDESK_TICKET_PREFIX, year)


def default_queue() -> Queue | None:
    """The first queue by name: tickets from mail or the portal land there unless routed."""
    return Queue.objects.order_by("name").first()


EDITABLE = ("subject", "category", "erp_module", "target", "impact", "urgency", "queue")


def update_ticket(ticket: Ticket, **changes) -> Ticket:
    """Change what the ticket is about. A new priority or queue measures the targets of the
    policy that now applies from the ticket's creation, keeping the business time already
    elapsed (pauses excluded); an internal note records it."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))
    _refuse_if_final(ticket)
    before = (ticket.priority, ticket.queue_id)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.priority = sla.priority_for(ticket.impact, ticket.urgency)
    try:
        ticket.full_clean(exclude=["number", "priority"], validate_unique=False)
    except ValidationError:
        ticket.refresh_from_db()
        raise
    now = timezone.now()
    with transaction.atomic():
        restarted = (ticket.priority, ticket.queue_id) != before and ticket.is_active
        if restarted:
            elapsed = sla.restart_clocks(ticket, now)
        ticket.save()
        if restarted:
            _note_new_targets(ticket, elapsed)
            sla.catch_up(ticket, now)
    return ticket


def _note_new_targets(ticket: Ticket, elapsed: float) -> None:
    values = {
        "priority": ticket.get_priority_display(),
        "queue": ticket.queue.name if ticket.queue_id else "–",
        "elapsed": round(elapsed),
    }
    if ticket.sla_policy_id:
        values.update(
            policy=ticket.sla_policy.name,
            due=f"{timezone.localtime(ticket.sla_due):%Y-%m-%d %H:%M}" if ticket.sla_due else "–",
            clock=SlaClockKind(ticket.sla_clock).label,
        )
        text = _(
            "Now %(priority)s in queue %(queue)s: SLA policy %(policy)s applies from the "
            "ticket's creation; %(elapsed)d working minutes have elapsed (pauses excluded); "
            "%(clock)s due %(due)s."
        )
    else:
        text = _(
            "Now %(priority)s in queue %(queue)s: no SLA policy applies; %(elapsed)d working "
            "minutes had elapsed (pauses excluded)."
        )
    TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, body=text % values, via=Via.SYSTEM
    )


# -- the conversation ------------------------------------------------------------------------------


def is_requester(ticket: Ticket, user=None, email: str = "") -> bool:
    if user is not None and ticket.requester_id and ticket.requester_id == user.pk:
        return True
    address = (email or (user.email if user is not None else "")).lower()
    return bool(address) and address == ticket.requester_email.lower()


def reply(
    ticket: Ticket,
    body: str,
    *,
    author=None,
    author_email: str = "",
    public: bool = True,
    via: str = Via.CONSOLE,
    attachments: Sequence[IncomingFile] = (),
    mail_message_id: str = "",
    now: dt.datetime | None = None,
) -> TicketMessage:
    """Add a public reply or (``public=False``) an internal note. An agent's first public
    reply stops the first-response clock; the requester's reply takes a waiting ticket back
    and reopens a resolved one (within the reopening period)."""
    body = str(body).strip()
    if not body:
        raise ValidationError({"body": [_("Write something to send.")]})
    _refuse_if_final(ticket)
    from_requester = is_requester(ticket, author, author_email)
    if from_requester and not public:
        raise ValidationError(_("Only agents write internal notes."))
    check_files(list(attachments))
    now = now or timezone.now()
    with atomic_with_files():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.REPLY if public else MessageKind.NOTE,
            author=author,
            author_email=author_email or (author.email if author else ""),
            from_requester=from_requester,
            body=body,
            via=via,
            mail_message_id=mail_message_id,
            created=now,
        )
        for file in attachments:
            attach(ticket, message, file, author)
        if from_requester:
            _requester_answered(ticket, now)
        elif public:
            _agent_answered(ticket, message, now)
        ticket.save()
    return message


def _refuse_if_final(ticket: Ticket) -> None:
    if ticket.merged_into_id:
        raise ValidationError(
            _("This ticket was merged into %(number)s; reply there.")
            % {"number": ticket.merged_into.number}
        )
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(_("This ticket is closed; open a new one."))


def _requester_answered(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.status == TicketStatus.WAITING:
        _move(ticket, TicketStatus.OPEN, now)
    elif ticket.status == TicketStatus.RESOLVED:
        _reopen(ticket, now)


def _agent_answered(ticket: Ticket, message: TicketMessage, now: dt.datetime) -> None:
    if ticket.first_response_at is None:
        sla.first_response_given(ticket, now)
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    mail_out.queue_reply(ticket, message)


def render_canned(text: str, ticket: Ticket, agent=None) -> str:
    """A canned reply with its placeholders filled; unknown ones are left as written."""
    values = {
        "ticket": ticket.number,
        "subject": ticket.subject,
        "requester": ticket.requester_display,
        "agent": (agent.get_full_name() or agent.get_username()) if agent else "",
        "queue": ticket.queue.name if ticket.queue_id else "",
    }
    return text.format_map(_KeepUnknown(values))


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


# -- assignment ------------------------------------------------------------------------------------


def assign(ticket: Ticket, assignee, *, note_author=None) -> Ticket:
    """Give the ticket to ``assignee`` (None: nobody). A new ticket becomes open."""
    if assignee is not None and not assignee.is_active:
        raise ValidationError({"assignee": [_("This user is not active.")]})
    if assignee is not None and not may_work_tickets(assignee):
        raise ValidationError(
            {"assignee": [_("%(user)s may not work on tickets.") % {"user": assignee}]}
        )
    _refuse_if_final(ticket)
    ticket.assignee = assignee
    if assignee is not None and ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    ticket.save()
    return ticket


def may_work_tickets(user) -> bool:
    """Whether tickets may be given to ``user``: one who may not read and answer them (a
    viewer, a portal user) would hold a ticket nobody sees being worked."""
    return user.has_perm("servicedesk.change_ticket")


def auto_assign(ticket: Ticket) -> None:
    """Hand a new ticket out by its queue's rule (round robin, fewest open tickets, or by ERP
    module: the least busy member who knows the ticket's module, else the least busy one)."""
    queue = ticket.queue
    if queue is None or queue.assignment == Assignment.MANUAL or ticket.assignee_id:
        return
    members = [
        m for m in queue.members.filter(is_active=True).order_by("pk") if may_work_tickets(m)
    ]
    if not members:
        return
    if queue.assignment == Assignment.ROUND_ROBIN:
        chosen = _next_in_turn(members, queue.last_assigned_id)
        queue.last_assigned = chosen
        queue.save(update_fields=["last_assigned"])
    elif queue.assignment == Assignment.BY_MODULE:
        chosen = _least_busy(_knowing(queue, members, ticket.erp_module) or members)
    else:
        chosen = _least_busy(members)
    ticket.assignee = chosen
    ticket.save()


def _knowing(queue, members: list, erp_module: str) -> list:
    """The members whose ERP modules in this queue include ``erp_module``."""
    wanted = (erp_module or "").strip().lower()
    if not wanted:
        return []
    experts = {skill.member_id for skill in queue.skills.all() if wanted in skill.modules()}
    return [member for member in members if member.pk in experts]


def _next_in_turn(members: list, last_id: int | None):
    ids = [member.pk for member in members]
    if last_id not in ids:
        return members[0]
    return members[(ids.index(last_id) + 1) % len(members)]


def _least_busy(members: list):
    counts = dict(
        get_user_model()
        .objects.filter(pk__in=[m.pk for m in members])
        .annotate(open=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=ACTIVE)))
        .values_list("pk", "open")
    )
    return min(members, key=lambda member: (counts.get(member.pk, 0), member.pk))


# -- status ----------------------------------------------------------------------------------------


def change_status(ticket: Ticket, status: str, *, now: dt.datetime | None = None) -> Ticket:
    """Move a ticket: waiting pauses its SLA, resolved stops it; a resolved ticket may be
    reopened within ERPKEEPER_SERVICEDESK_REOPEN_DAYS; closed is final."""
    status = TicketStatus(status)
    if status == ticket.status:
        return ticket
    if status == TicketStatus.CLOSED:
        return close(ticket, now=now)
    if status not in ALLOWED_MOVES[TicketStatus(ticket.status)]:
        raise ValidationError(
            {
                "status": [
                    _("A ticket that is %(old)s cannot become %(new)s.")
                    % {"old": ticket.get_status_display(), "new": status.label}
                ]
            }
        )
    now = now or timezone.now()
    with transaction.atomic():
        if ticket.status == TicketStatus.RESOLVED:
            _reopen(ticket, now)
        else:
            _move(ticket, status, now)
        ticket.save()
    return ticket


def _move(ticket: Ticket, status: str, now: dt.datetime) -> None:
    if ticket.status == TicketStatus.WAITING:
        sla.resume(ticket, now)
    ticket.status = status
    if status == TicketStatus.WAITING:
        sla.pause(ticket, now)
    elif status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        sla.stop(ticket, now)
        mail_out.tell_resolved(ticket)


def may_reopen(ticket: Ticket, now: dt.datetime | None = None) -> bool:
    """A resolved ticket reopens within ERPKEEPER_SERVICEDESK_REOPEN_DAYS of its resolution."""
    if ticket.status != TicketStatus.RESOLVED:
        return False
    limit = dt.timedelta(days=settings.SERVICEDESK_REOPEN_DAYS)
    return ticket.resolved_at is None or (now or timezone.now()) - ticket.resolved_at <= limit


def _reopen(ticket: Ticket, now: dt.datetime) -> None:
    if not may_reopen(ticket, now):
        days = settings.SERVICEDESK_REOPEN_DAYS
        raise ValidationError(
            _("Resolved more than %(days)d days ago: open a new ticket.") % {"days": days}
        )
    resolved_at = ticket.resolved_at or now
    ticket.status = TicketStatus.OPEN
    ticket.reopen_count += 1
    ticket.resolved_at = None
    # The time it stayed resolved does not count against the resolution target.
    if ticket.sla_status == SlaStatus.MET and ticket.sla_due is not None:
        ticket.sla_status = SlaStatus.PAUSED
        ticket.sla_paused_at = resolved_at
        sla.resume(ticket, now)


def close(ticket: Ticket, *, now: dt.datetime | None = None) -> Ticket:
    """Closed for good (a reply opens a new ticket)."""
    if ticket.status == TicketStatus.CLOSED:
        return ticket
    now = now or timezone.now()
    with transaction.atomic():
        ticket.status = TicketStatus.CLOSED
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
        sla.stop(ticket, now)
        ticket.save()
    return ticket


# -- merge, link, rate -----------------------------------------------------------------------------


def merge(source: Ticket, into: Ticket, *, author=None) -> Ticket:
    """Move ``source``'s conversation and attachments into ``into`` and close ``source``."""
    if source.pk == into.pk:
        raise ValidationError(_("A ticket cannot be merged into itself."))
    if into.merged_into_id or into.status == TicketStatus.CLOSED:
        raise ValidationError(_("Merge into a ticket that is still open."))
    with transaction.atomic():
        for message in source.messages.all():
            message.ticket = into
            message.save(update_fields=["ticket"])
        for attachment in source.attachments.all():
            attachment.ticket = into
            attachment.save(update_fields=["ticket"])
        TicketMessage.objects.create(
            ticket=into,
            kind=MessageKind.NOTE,
            author=author,
            body=_("Merged %(number)s (%(subject)s) into this ticket.")
            % {"number": source.number, "subject": source.subject},
            via=Via.SYSTEM,
        )
        source.merged_into = into
        close(source)
    return into


def set_parent(child: Ticket, parent: Ticket | None) -> Ticket:
    """Make ``child`` part of ``parent`` (None: no parent). No cycles."""
    ancestor = parent
    while ancestor is not None:
        if ancestor.pk == child.pk:
            raise ValidationError({"parent": [_("A ticket cannot be its own ancestor.")]})
        ancestor = ancestor.parent
    child.parent = parent
    child.save(update_fields=["parent", "updated"])
    return child


def rate(ticket: Ticket, rating: int, comment: str = "", *, user=None) -> Ticket:
    """The requester's satisfaction (1-5) with a resolved or closed ticket."""
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ValidationError(_("Rate a ticket once it is resolved."))
    if user is not None and not is_requester(ticket, user):
        raise ValidationError(_("Only the requester rates a ticket."))
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Rate from 1 to 5.")]})
    ticket.csat_rating, ticket.csat_comment = rating, str(comment).strip()
    ticket.save(update_fields=["csat_rating", "csat_comment", "updated"])
    return ticket


def mailed_messages(ticket: Ticket):
    return ticket.messages.exclude(mail_state=MailState.NONE)
