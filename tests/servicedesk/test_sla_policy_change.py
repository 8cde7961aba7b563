"""A change of priority or queue keeps the business time a ticket has used: the new policy's
targets are measured from the ticket's creation, the time it waited for its requester left
out, and the ticket's history says what now applies."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from erpkeeper.core.models import OutboxMessage
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import MessageKind, SlaStatus, Ticket, TicketStatus

SECONDS = dt.timedelta(seconds=30)


def aged(ticket: Ticket, **age) -> Ticket:
    """The ticket as if opened ``age`` ago (its clocks counted from then)."""
    created = ticket.created - dt.timedelta(**age)
    Ticket.objects.filter(pk=ticket.pk).update(created=created)
    ticket.refresh_from_db()
    services.update_ticket(ticket, impact="medium", urgency="medium")  # P3: clocks from created
    ticket.refresh_from_db()
    return ticket


def waited(ticket: Ticket, helen, **length) -> Ticket:
    """The ticket waited ``length`` for its requester, who has just answered."""
    services.change_status(ticket, TicketStatus.WAITING)
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=ticket.sla_paused_at - dt.timedelta(**length)
    )
    ticket.refresh_from_db()
    services.reply(ticket, "Here it is.", author_email="li@example.cn")
    ticket.refresh_from_db()
    return ticket


def test_a_new_priority_keeps_the_time_used_and_leaves_out_the_wait(desk, helen):
    ticket = services.open_ticket(subject="报表很慢", body="x", requester_email="li@example.cn")
    services.reply(ticket, "Looking.", author=helen)  # the resolution clock runs
    ticket = aged(Ticket.objects.get(pk=ticket.pk), hours=3)
    ticket = waited(ticket, helen, hours=1)
    assert 59 < ticket.sla_paused_minutes < 61
    # Three hours since opening, one of them waiting: two hours used. P1 resolves in 4 hours,
    # so 2 hours are left (restarting from zero would leave 4, ignoring the wait 1).
    services.update_ticket(ticket, impact="high", urgency="high")
    ticket.refresh_from_db()
    assert ticket.priority == "p1" and ticket.sla_status == SlaStatus.RUNNING
    expected = timezone.now() + dt.timedelta(hours=2)
    assert abs(ticket.resolution_due - expected) < SECONDS
    assert ticket.sla_due == ticket.resolution_due
    note = ticket.messages.filter(kind=MessageKind.NOTE).last().body
    assert "P1 critical" in note and "Standard p1" in note and "120 working minutes" in note


def test_a_new_priority_already_past_its_target_is_breached_at_once(desk, shop):
    ticket = services.open_ticket(subject="月结", body="x", target=shop)
    ticket = aged(ticket, minutes=30)  # P3: first response within 60 minutes, half used
    assert ticket.sla_status == SlaStatus.RUNNING
    services.update_ticket(ticket, impact="high", urgency="high")  # P1: within 15 minutes
    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.BREACHED
    breach = OutboxMessage.objects.filter(source="servicedesk", severity="critical").get()
    assert ticket.number in breach.subject


def test_a_waiting_ticket_stays_paused_under_its_new_policy(desk, helen):
    ticket = services.open_ticket(subject="x", body="x", requester_email="li@example.cn")
    services.reply(ticket, "Which order?", author=helen)
    ticket.refresh_from_db()
    services.change_status(ticket, TicketStatus.WAITING)
    services.update_ticket(ticket, impact="high", urgency="high")
    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.PAUSED and ticket.sla_paused_at is not None
    services.reply(ticket, "SO-7.", author_email="li@example.cn")
    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.RUNNING
    assert abs(ticket.resolution_due - (ticket.created + dt.timedelta(hours=4))) < SECONDS


def test_the_warning_after_the_first_response_is_80_percent_of_the_target(desk, helen):
    ticket = services.open_ticket(subject="x", body="x", requester_email="li@example.cn")
    ticket = waited(ticket, helen, hours=2)
    services.reply(ticket, "On it.", author=helen)
    ticket.refresh_from_db()
    # P4 resolves in 8 hours; 80 % is 6.4 working hours, after the 2 hours waited.
    expected = ticket.created + dt.timedelta(hours=2 + 6.4)
    assert abs(ticket.sla_warn_at - expected) < SECONDS
