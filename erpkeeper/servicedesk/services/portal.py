"""What the portal for ERP end users reads and may do: only the signed-in user's own tickets,
their public conversation, the maintenance notices and the major-incident banner.

The portal's writes are the desk's own operations (``open_ticket``, ``reply``, ``rate``) called
with ``via=portal``; the functions here decide what a user may see and reach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from erpkeeper.servicedesk.models import (
    Announcement,
    Attachment,
    HelpSearch,
    MessageKind,
    Priority,
    Ticket,
    TicketKind,
    TicketStatus,
)
from erpkeeper.servicedesk.services.tickets import ACTIVE, may_reopen
from erpkeeper.targets.models import MaintenanceWindow, Target
from erpkeeper.targets.windows import WindowSpec, next_start, window_occurrence

NOTICE_DAYS = 7


def my_tickets(user) -> QuerySet[Ticket]:
    """The user's own tickets, most recently updated first. Merged duplicates stay out: their
    conversation moved to the ticket they were merged into."""
    return (
        _mine(user).filter(merged_into__isnull=True).select_related("target").order_by("-updated")
    )


def _mine(user) -> QuerySet[Ticket]:
    """Tickets the user asked for: by account, or by their e-mail address (mail from them
    before they had an account)."""
    mine = Q(requester=user)
    if user.email:
        mine |= Q(requester__isnull=True, requester_email__iexact=user.email)
    return Ticket.objects.filter(mine)


def my_ticket(user, number: str) -> Ticket:
    """One of the user's tickets by number (a merged one too: the page leads on to where it
    went); 404 for anyone else's, whether it exists or not, so numbers cannot be probed."""
    try:
        return _mine(user).select_related("target", "merged_into").get(number=number)
    except Ticket.DoesNotExist:
        raise Http404 from None


def public_messages(ticket: Ticket):
    """The conversation the requester sees: public replies only, never internal notes."""
    return (
        ticket.messages.filter(kind=MessageKind.REPLY)
        .select_related("author")
        .prefetch_related("attachments")
    )


def my_attachment(user, number: str, attachment_id: int) -> Attachment:
    """An attachment of one of the user's tickets on a public message (a file attached to an
    internal note stays with the agents)."""
    ticket = my_ticket(user, number)
    try:
        return ticket.attachments.get(
            Q(message__isnull=True) | Q(message__kind=MessageKind.REPLY), pk=attachment_id
        )
    except Attachment.DoesNotExist:
        raise Http404 from None


def may_reply(ticket: Ticket) -> bool:
    """An active ticket takes replies; a resolved one only while it may be reopened."""
    return ticket.status in ACTIVE or may_reopen(ticket)


def may_rate(ticket: Ticket) -> bool:
    return ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def targets_for_tickets() -> QuerySet[Target]:
    """The targets a ticket may be about (their names only are shown)."""
    return Target.objects.order_by("name")


# Functions ``(text) -> [article, …]`` that apps above the desk register (the knowledge base,
# from its AppConfig.ready): the desk imports none of them.
_suggesters: list = []


def register_suggester(suggester) -> None:
    """Add ``suggester(text) -> list`` (items with ``title`` and ``url``) to the suggestions."""
    if suggester not in _suggesters:
        _suggesters.append(suggester)


def suggest_articles(text: str) -> list:
    """Help articles matching what the user is typing, shown before they open a ticket: what
    the registered suggesters find (nothing when no knowledge base is installed)."""
    return [article for suggester in _suggesters for article in suggester(text)]


# -- deflection: did the suggestions spare a ticket? ---------------------------------------------

# Suggestions shown again within this time belong to the same visit of the page.
SEARCH_VISIT = dt.timedelta(minutes=30)
SEARCH_QUERY_CHARS = 200


def record_suggestions(user, text: str, shown: int, search_id: int | None = None) -> int | None:
    """Note that the portal showed ``shown`` suggestions for ``text``: one row per visit of
    the *Open a ticket* page (``search_id``, kept in the user's session, is the visit's row
    while it lasts). Returns the row's id, or ``search_id`` unchanged when nothing was shown."""
    if shown <= 0:
        return search_id
    now = timezone.now()
    search = (
        HelpSearch.objects.filter(
            pk=search_id, user=user, ticket__isnull=True, last_shown__gte=now - SEARCH_VISIT
        ).first()
        if search_id
        else None
    )
    if search is None:
        search = HelpSearch(user=user, created=now)
    search.query = text[:SEARCH_QUERY_CHARS]
    search.suggestions = min(max(shown, search.suggestions), 32767)
    search.last_shown = now
    search.save()
    return search.pk


def ticket_followed(user, search_id: int | None, ticket: Ticket) -> None:
    """The visit that showed suggestions ended in ``ticket``: not deflected."""
    if not search_id:
        return
    search = HelpSearch.objects.filter(pk=search_id, user=user, ticket__isnull=True).first()
    if search is not None:
        search.ticket = ticket
        search.save(update_fields=["ticket"])


# -- notices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaintenanceNotice:
    target: str
    start: dt.datetime
    end: dt.datetime
    description: str
    under_way: bool = False


def maintenance_notices(days: int = NOTICE_DAYS, now: dt.datetime | None = None):
    """Every maintenance window of every target that is under way or starts in the coming
    ``days``, soonest first."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=days)
    notices = []
    for window in MaintenanceWindow.objects.select_related("target"):
        spec = WindowSpec(
            window.weekday, window.start_time, window.duration_minutes, window.time_zone
        )
        for start, end in _occurrences(spec, now, horizon):
            notices.append(
                MaintenanceNotice(
                    window.target.name, start, end, window.description, start <= now < end
                )
            )
    return sorted(notices, key=lambda notice: (notice.start, notice.target))


def _occurrences(spec: WindowSpec, now: dt.datetime, horizon: dt.datetime):
    start, end = window_occurrence(spec, now)
    if start <= now < end:  # under way
        yield start, end
    start = next_start(spec, now)
    while start < horizon:
        yield start, start + dt.timedelta(minutes=spec.duration_minutes)
        start = next_start(spec, start + dt.timedelta(minutes=1))


def announcements(now: dt.datetime | None = None) -> QuerySet[Announcement]:
    """The team's announcements shown now, warnings first, newest first."""
    now = now or timezone.now()
    return Announcement.objects.filter(
        Q(ends__isnull=True) | Q(ends__gt=now), starts__lte=now
    ).order_by("-level", "-starts")


def major_incidents() -> QuerySet[Ticket]:
    """Active P1 incidents: the portal shows a banner while one lasts (without its internal
    details: the affected target and since when)."""
    return (
        Ticket.objects.filter(kind=TicketKind.INCIDENT, priority=Priority.P1, status__in=ACTIVE)
        .select_related("target")
        .order_by("created")
    )
