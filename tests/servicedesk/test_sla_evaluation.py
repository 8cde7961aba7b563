"""The SLA loop: 80 % raises a warning notice, 100 % a breach, through the outbox the alert
channels send; meeting the target resolves them."""

from __future__ import annotations

import datetime as dt

from erpkeeper.core.models import OutboxMessage
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import SlaStatus, Ticket, TicketStatus
from erpkeeper.servicedesk.runner import servicedesk_round


def notices():
    return OutboxMessage.objects.filter(source="servicedesk").order_by("pk")


def test_80_percent_warns_and_100_percent_breaches(desk, shop):
    ticket = services.open_ticket(subject="月结报错", body="Closing fails", target=shop)
    assert services.evaluate_sla(ticket.sla_warn_at - dt.timedelta(seconds=1)) == {
        "breached": 0,
        "warning": 0,
    }
    assert services.evaluate_sla(ticket.sla_warn_at)["warning"] == 1
    warning = notices().get()
    assert warning.severity == "warning" and warning.target == shop
    assert ticket.number in warning.subject and "80%" in warning.subject
    assert services.evaluate_sla(ticket.sla_due)["breached"] == 1
    warning, breach = notices()  # the warning is closed; the breach goes out as critical
    assert warning.state == OutboxMessage.State.RESOLVED
    assert breach.severity == "critical" and "SLA breached" in breach.subject
    ticket.refresh_from_db()
    assert ticket.sla_status == SlaStatus.BREACHED
    # Evaluating again changes nothing.
    assert services.evaluate_sla(ticket.sla_due + dt.timedelta(hours=1)) == {
        "breached": 0,
        "warning": 0,
    }


def test_answering_in_time_resolves_the_warning(desk, helen):
    ticket = services.open_ticket(subject="Login fails", body="…", requester_email="a@b.cn")
    services.evaluate_sla(ticket.sla_warn_at)
    assert notices().get().state != OutboxMessage.State.RESOLVED
    services.reply(ticket, "On it.", author=helen)
    assert notices().get().state == OutboxMessage.State.RESOLVED
    ticket.refresh_from_db()
    assert ticket.sla_clock == "resolution" and ticket.sla_status == SlaStatus.RUNNING


def test_a_paused_ticket_never_breaches(desk):
    ticket = services.open_ticket(subject="Report missing", body="…")
    services.change_status(ticket, TicketStatus.WAITING)
    assert services.evaluate_sla(ticket.created + dt.timedelta(days=30))["breached"] == 0
    assert Ticket.objects.get(pk=ticket.pk).sla_status == SlaStatus.PAUSED


def test_the_loop_round_evaluates_and_sends_pending_mail(desk):
    ticket = services.open_ticket(subject="x", body="y")
    Ticket.objects.filter(pk=ticket.pk).update(sla_due=ticket.created, sla_warn_at=ticket.created)
    run_round, close = servicedesk_round()
    run_round()
    close()
    assert Ticket.objects.get(pk=ticket.pk).sla_status == SlaStatus.BREACHED
