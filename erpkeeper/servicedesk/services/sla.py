"""SLA clocks on tickets: priority from impact and urgency, the policy that applies, due times
in the queue's working time, pausing while waiting for the requester, and the periodic
evaluation that raises the 80 % warning and the breach through the outbox.

The clock that runs is the first response until an agent's first public reply, then the
resolution. Its 80 % and 100 % moments are stored (``sla_warn_at``, ``sla_due``) so that the
evaluation is two indexed queries, whatever the number of tickets; they move only when the
ticket pauses or resumes.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.core import outbox
from erpkeeper.servicedesk.models import (
    CalendarDay,
    Level,
    Priority,
    Queue,
    SlaClockKind,
    SlaPolicy,
    SlaStatus,
    Ticket,
)
from erpkeeper.servicedesk.sla.calendars import working_time
from erpkeeper.servicedesk.sla.clock import (
    WARNING_FRACTION,
    HoursError,
    WorkingTime,
    parse_weekly,
    shifted,
)

logger = logging.getLogger(__name__)

SOURCE = "servicedesk"
# Impact (rows) x urgency (columns) -> priority: the ITIL matrix.
PRIORITY_MATRIX = {
    (Level.HIGH, Level.HIGH): Priority.P1,
    (Level.HIGH, Level.MEDIUM): Priority.P2,
    (Level.MEDIUM, Level.HIGH): Priority.P2,
    (Level.HIGH, Level.LOW): Priority.P3,
    (Level.MEDIUM, Level.MEDIUM): Priority.P3,
    (Level.LOW, Level.HIGH): Priority.P3,
    (Level.MEDIUM, Level.LOW): Priority.P4,
    (Level.LOW, Level.MEDIUM): Priority.P4,
    (Level.LOW, Level.LOW): Priority.P4,
}
RUNNING = (SlaStatus.RUNNING, SlaStatus.WARNING)
DEFAULT_WEEK = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-12:00,13:00-18:00")


def priority_for(impact: str, urgency: str) -> str:
    return PRIORITY_MATRIX[(Level(impact), Level(urgency))]


def policy_for(queue: Queue | None, priority: str) -> SlaPolicy | None:
    """The queue's own policy for the priority, else the one for every queue."""
    policies = SlaPolicy.objects.filter(priority=priority)
    if queue is not None:
        own = policies.filter(queue=queue).first()
        if own is not None:
            return own
    return policies.filter(queue__isnull=True).first()


def working_time_for(queue: Queue | None, around: dt.date | None = None) -> WorkingTime:
    """The queue's hours, zone and holidays; without a queue, office hours in the platform's
    time zone with the Chinese calendar."""
    if queue is None:
        return _working_time(tuple(sorted(DEFAULT_WEEK.items())), settings.TIME_ZONE, "CN", around)
    hours = tuple(sorted((queue.business_hours or {}).items()))
    return _working_time(hours, queue.time_zone, queue.holiday_calendar, around)


def _working_time(hours: tuple, zone: str, country: str, around) -> WorkingTime:
    year = (around or timezone.now().date()).year
    # Read on every call (a few rows): a day entered in the console counts at once, in the
    # worker too, and the cache below keys on them.
    adjusted = tuple(
        CalendarDay.objects.filter(calendar=country).values_list("date", "kind").order_by("date")
    )
    return _cached_working_time(hours, zone, country, year, adjusted)


@lru_cache(maxsize=64)
def _cached_working_time(
    hours: tuple, zone: str, country: str, year: int, adjusted: tuple = ()
) -> WorkingTime:
    weekly = parse_weekly(dict(hours))
    return working_time(weekly, zone, country, dt.date(year, 1, 1), adjusted=adjusted)


def validate_hours(hours) -> str | None:
    """Why ``hours`` cannot be a queue's business hours, or None."""
    if not isinstance(hours, dict):
        return _('Enter the hours per day, e.g. {"mon": "09:00-18:00"}.')
    try:
        weekly = parse_weekly(hours)
    except HoursError as exc:
        return str(exc)
    if not any(weekly.values()):
        return _("At least one day needs working hours.")
    return None


# -- starting, pausing and stopping clocks --------------------------------------------------------


def start_clocks(ticket: Ticket, now: dt.datetime) -> None:
    """Set the policy and due times of a new ticket, counted from its creation; the working
    minutes it already stood still (``sla_paused_minutes``) are added, so that a ticket whose
    policy changes keeps the business time it has used. Not saved."""
    policy = policy_for(ticket.queue, ticket.priority)
    ticket.sla_policy = policy
    if policy is None:
        _clear(ticket)
        return
    working = working_time_for(ticket.queue, ticket.created.date() if ticket.created else None)
    started = ticket.created or now
    paused = ticket.sla_paused_minutes or 0.0
    if ticket.first_response_at is None:
        ticket.first_response_due = working.add_minutes(
            started, policy.first_response_minutes + paused
        )
    ticket.resolution_due = working.add_minutes(started, policy.resolution_minutes + paused)
    if ticket.first_response_at is None:
        _run(ticket, working, SlaClockKind.FIRST_RESPONSE, policy.first_response_minutes)
    else:
        _run(ticket, working, SlaClockKind.RESOLUTION, policy.resolution_minutes)
    ticket.sla_status = _status_at(ticket, now)


def restart_clocks(ticket: Ticket, now: dt.datetime) -> float:
    """The priority or queue changed: the targets of the policy that now applies, measured from
    the ticket's creation; the business time already elapsed (pauses excluded) counts against
    them. A ticket waiting for its requester stays paused. Not saved; returns the working
    minutes elapsed so far. Notices of the old clocks are resolved; ``catch_up`` raises the new
    ones once the ticket is saved."""
    for clock in SlaClockKind.values:
        if clock:
            resolve_sla_notices(ticket, clock)
    paused_at = ticket.sla_paused_at
    until = min(now, paused_at) if paused_at else now
    working = working_time_for(ticket.queue, ticket.created.date())
    elapsed = working.minutes_between(ticket.created, until) - (ticket.sla_paused_minutes or 0.0)
    ticket.sla_paused_at = None
    start_clocks(ticket, now)
    if ticket.sla_clock:
        ticket.sla_status = SlaStatus.RUNNING  # the loop's conditional update moves it on
    if paused_at is not None:
        pause(ticket, paused_at)
    return max(elapsed, 0.0)


def catch_up(ticket: Ticket, now: dt.datetime) -> None:
    """A saved ticket whose running clock is already past 80 % or 100 %: warned or breached
    now, with its notice, rather than at the loop's next pass."""
    if ticket.sla_status != SlaStatus.RUNNING or ticket.sla_due is None:
        return
    if now >= ticket.sla_due:
        _mark(ticket, SlaStatus.BREACHED)
    elif now >= ticket.sla_warn_at:
        _mark(ticket, SlaStatus.WARNING)


def _run(ticket, working: WorkingTime, kind: str, minutes: int) -> None:
    paused = ticket.sla_paused_minutes or 0.0
    ticket.sla_clock = kind
    ticket.sla_warn_at = working.add_minutes(ticket.created, minutes * WARNING_FRACTION + paused)
    ticket.sla_due = working.add_minutes(ticket.created, minutes + paused)


def _clear(ticket: Ticket) -> None:
    ticket.first_response_due = ticket.resolution_due = None
    ticket.sla_warn_at = ticket.sla_due = None
    ticket.sla_clock, ticket.sla_status = SlaClockKind.NONE, SlaStatus.NONE


def _status_at(ticket: Ticket, now: dt.datetime) -> str:
    if ticket.sla_due is None:
        return SlaStatus.NONE
    if now >= ticket.sla_due:
        return SlaStatus.BREACHED
    return SlaStatus.WARNING if now >= ticket.sla_warn_at else SlaStatus.RUNNING


def first_response_given(ticket: Ticket, now: dt.datetime) -> None:
    """An agent answered: the first-response clock stops, the resolution clock runs on (from
    the ticket's creation, as it has since). Not saved."""
    ticket.first_response_at = now
    if ticket.sla_clock != SlaClockKind.FIRST_RESPONSE:
        return
    resolve_sla_notices(ticket, SlaClockKind.FIRST_RESPONSE)
    working = working_time_for(ticket.queue, ticket.created.date())
    ticket.sla_clock = SlaClockKind.RESOLUTION
    ticket.sla_due = ticket.resolution_due
    # 80 % of the target, not of the span to the due time (which holds the pauses too).
    paused = ticket.sla_paused_minutes or 0.0
    if ticket.sla_policy_id:
        target = ticket.sla_policy.resolution_minutes
    else:
        target = working.minutes_between(ticket.created, ticket.resolution_due) - paused
    ticket.sla_warn_at = working.add_minutes(ticket.created, target * WARNING_FRACTION + paused)
    if ticket.sla_status != SlaStatus.PAUSED:
        ticket.sla_status = _status_at(ticket, now)


def pause(ticket: Ticket, now: dt.datetime) -> None:
    """Waiting for the requester: the clock stops (due times are moved when it resumes)."""
    if ticket.sla_clock and ticket.sla_paused_at is None:
        ticket.sla_paused_at = now
        if ticket.sla_status in RUNNING:
            ticket.sla_status = SlaStatus.PAUSED


def resume(ticket: Ticket, now: dt.datetime) -> None:
    """The requester answered (or an agent took the ticket back): the time the pause took in
    working hours is added to every due time still ahead."""
    paused_at = ticket.sla_paused_at
    if paused_at is None:
        return
    ticket.sla_paused_at = None
    working = working_time_for(ticket.queue)
    stood_still = working.minutes_between(paused_at, now)
    ticket.sla_paused_minutes = (ticket.sla_paused_minutes or 0.0) + stood_still
    if ticket.sla_clock:
        for field in ("first_response_due", "resolution_due", "sla_warn_at", "sla_due"):
            moment = getattr(ticket, field)
            if moment is not None:
                setattr(ticket, field, shifted(working, moment, paused_at, now))
    if ticket.sla_status == SlaStatus.PAUSED:
        ticket.sla_status = _status_at(ticket, now)


def stop(ticket: Ticket, now: dt.datetime) -> None:
    """Resolved or closed: a clock that had not breached is met; its notices are resolved.
    The due times stay (a reopened ticket's clock goes on from them)."""
    if not ticket.sla_clock:
        return
    if ticket.sla_paused_at is not None:
        resume(ticket, now)
    if ticket.sla_status != SlaStatus.BREACHED:
        ticket.sla_status = SlaStatus.MET
    resolve_sla_notices(ticket, ticket.sla_clock)


# -- the periodic evaluation ----------------------------------------------------------------------


def evaluate_sla(now: dt.datetime | None = None) -> dict:
    """Move running clocks past 80 % to *warning* and past 100 % to *breached*, raising one
    notice for each through the outbox (the alert channels send it). Returns the counts."""
    now = now or timezone.now()
    breached = Ticket.objects.filter(sla_status__in=RUNNING, sla_due__lte=now)
    counts = {"breached": 0, "warning": 0}
    for ticket in breached.select_related("target", "queue", "assignee"):
        _mark(ticket, SlaStatus.BREACHED)
        counts["breached"] += 1
    warned = Ticket.objects.filter(sla_status=SlaStatus.RUNNING, sla_warn_at__lte=now)
    for ticket in warned.select_related("target", "queue", "assignee"):
        _mark(ticket, SlaStatus.WARNING)
        counts["warning"] += 1
    return counts


def _mark(ticket: Ticket, status: str) -> None:
    # Conditional: a reply saved meanwhile (which stops or moves the clock) wins.
    changed = Ticket.objects.filter(
        pk=ticket.pk, sla_status=ticket.sla_status, sla_due=ticket.sla_due
    ).update(sla_status=status)
    if changed:
        ticket.sla_status = status
        raise_sla_notice(ticket, status)


def notice_event(ticket: Ticket, clock: str) -> str:
    return f"sla:{ticket.number}:{clock}"


def raise_sla_notice(ticket: Ticket, status: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):  # stored, shared text
        subject, body = _notice_text(ticket, status)
    event = notice_event(ticket, ticket.sla_clock)
    if status == SlaStatus.BREACHED:
        # The open 80 % notice would absorb the breach (raise_alert merges open notices and
        # keeps their severity): close it so that the breach goes out as critical.
        outbox.resolve_alerts(source=SOURCE, event=event, target=ticket.target)
    outbox.raise_alert(
        source=SOURCE,
        event=event,
        subject=subject,
        severity="critical" if status == SlaStatus.BREACHED else "warning",
        target=ticket.target,
        body=body,
        link=f"/servicedesk/ticket/{ticket.pk}/change/",
    )


def _notice_text(ticket: Ticket, status: str) -> tuple[str, str]:
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "clock": SlaClockKind(ticket.sla_clock).label,
        "due": f"{timezone.localtime(ticket.sla_due):%Y-%m-%d %H:%M %Z}",
        "assignee": ticket.assignee.get_username() if ticket.assignee_id else _("nobody"),
    }
    if status == SlaStatus.BREACHED:
        subject = _("SLA breached: %(clock)s of %(number)s %(subject)s") % values
    else:
        subject = _("SLA at 80%%: %(clock)s of %(number)s %(subject)s") % values
    body = _("Due %(due)s; assigned to %(assignee)s.") % values
    return subject, body


def resolve_sla_notices(ticket: Ticket, clock: str) -> None:
    outbox.resolve_alerts(source=SOURCE, event=notice_event(ticket, clock), target=ticket.target)


def tickets_due_before(moment: dt.datetime):
    """Open tickets whose running clock is due before ``moment`` (the desk's "due soon")."""
    return Ticket.objects.filter(Q(sla_status__in=RUNNING) & Q(sla_due__lt=moment))
