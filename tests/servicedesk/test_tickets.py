"""Tickets through their life: numbers, priority, clocks, replies, waiting, resolving,
reopening, closing, assignment, merging, parents, canned replies, attachments."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.core.models import AuditEntry
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.defaults import ensure_defaults
from erpkeeper.servicedesk.models import (
    Assignment,
    Attachment,
    MailState,
    MessageKind,
    Queue,
    QueueSkill,
    SlaPolicy,
    SlaStatus,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from erpkeeper.servicedesk.services import IncomingFile
from erpkeeper.servicedesk.services.tickets import render_canned


def open_one(**fields) -> Ticket:
    fields.setdefault("subject", "销售订单无法确认")
    fields.setdefault("body", "Confirming SO-1042 fails with an error.")
    fields.setdefault("requester_email", "li.wei@example.com")
    return services.open_ticket(**fields)


def test_a_new_ticket_is_numbered_prioritised_and_timed(desk):
    ticket = open_one(impact="high", urgency="high")
    year = timezone.now().year
    assert ticket.number == f"ERP-{year}-000001"
    assert open_one().number == f"ERP-{year}-000002"
    assert ticket.priority == "p1" and ticket.queue == desk
    assert ticket.sla_status == SlaStatus.RUNNING and ticket.sla_clock == "first_response"
    assert ticket.first_response_due - ticket.created == dt.timedelta(minutes=15)
    assert ticket.resolution_due - ticket.created == dt.timedelta(hours=4)
    first, acknowledgement = ticket.messages.order_by("pk")
    assert first.from_requester and first.body.startswith("Confirming")
    assert ticket.number in acknowledgement.body
    assert acknowledgement.mail_state == MailState.PENDING


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [("high", "high", "p1"), ("high", "low", "p3"), ("medium", "high", "p2"), ("low", "low", "p4")],
)
def test_impact_and_urgency_give_the_priority(impact, urgency, priority):
    assert services.priority_for(impact, urgency) == priority


def test_opening_is_audited(desk):
    ticket = open_one()
    assert AuditEntry.objects.filter(object_type="servicedesk.ticket", object_id=str(ticket.pk))


def test_an_agents_reply_stops_the_first_response_clock(desk, helen):
    ticket = open_one()
    services.reply(ticket, "Please send a screenshot.", author=helen)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.first_response_at is not None
    assert ticket.sla_clock == "resolution" and ticket.sla_due == ticket.resolution_due
    reply = ticket.messages.filter(author=helen).get()
    assert reply.mail_state == MailState.PENDING and reply.mail_message_id.startswith("<erpkeeper.")


def test_an_internal_note_is_no_response(desk, helen):
    ticket = open_one()
    services.reply(ticket, "Probably the credit limit.", author=helen, public=False)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == TicketStatus.NEW
    assert ticket.messages.get(kind=MessageKind.NOTE).mail_state == MailState.NONE


def test_waiting_for_the_requester_pauses_and_their_answer_resumes(desk, helen):
    ticket = open_one()
    services.reply(ticket, "Which customer?", author=helen)
    ticket.refresh_from_db()
    due_before = ticket.resolution_due
    services.change_status(ticket, TicketStatus.WAITING)
    assert ticket.sla_status == SlaStatus.PAUSED and ticket.sla_paused_at is not None
    # Two hours pass while waiting.
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=ticket.sla_paused_at - dt.timedelta(hours=2)
    )
    ticket.refresh_from_db()
    services.reply(ticket, "Customer ACME.", author_email="li.wei@example.com")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.sla_status == SlaStatus.RUNNING
    moved = ticket.resolution_due - due_before
    assert (
        dt.timedelta(hours=2) - dt.timedelta(seconds=5) < moved < dt.timedelta(hours=2, seconds=5)
    )


def test_resolving_meets_the_sla_and_the_requester_may_reopen(desk, helen, settings):
    ticket = open_one()
    services.reply(ticket, "Fixed the credit limit.", author=helen)
    ticket.refresh_from_db()
    services.change_status(ticket, TicketStatus.RESOLVED)
    assert ticket.sla_status == SlaStatus.MET and ticket.resolved_at is not None
    services.reply(ticket, "Still failing.", author_email="LI.WEI@example.com")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.reopen_count == 1
    assert ticket.sla_status == SlaStatus.RUNNING


def test_a_ticket_resolved_too_long_ago_is_not_reopened(desk, settings):
    settings.SERVICEDESK_REOPEN_DAYS = 3
    ticket = services.change_status(open_one(), TicketStatus.RESOLVED)
    Ticket.objects.filter(pk=ticket.pk).update(resolved_at=timezone.now() - dt.timedelta(days=4))
    ticket.refresh_from_db()
    with pytest.raises(ValidationError, match="more than 3 days"):
        services.change_status(ticket, TicketStatus.OPEN)


def test_a_closed_ticket_takes_no_reply_and_no_move(desk, helen):
    ticket = services.close(open_one())
    with pytest.raises(ValidationError, match="closed"):
        services.reply(ticket, "hello", author=helen)
    with pytest.raises(ValidationError, match="cannot become"):
        services.change_status(ticket, TicketStatus.OPEN)


def test_the_requester_writes_no_internal_note(desk):
    ticket = open_one()
    with pytest.raises(ValidationError, match="Only agents"):
        services.reply(ticket, "psst", author_email="li.wei@example.com", public=False)


def test_round_robin_hands_tickets_out_in_turn(desk, helen, olga):
    desk.assignment = Assignment.ROUND_ROBIN
    desk.save()
    desk.members.set([helen, olga])
    assignees = [open_one().assignee for _n in range(3)]
    assert assignees == [helen, olga, helen]
    assert all(t.status == TicketStatus.NEW for t in Ticket.objects.all())


def test_fewest_open_tickets_gets_the_next_one(desk, helen, olga):
    services.assign(open_one(), helen)
    desk.assignment = Assignment.LEAST_OPEN
    desk.save()
    desk.members.set([helen, olga])
    assert open_one().assignee == olga


def test_by_erp_module_goes_to_who_knows_the_module_else_the_least_busy(desk, helen, olga, alice):
    desk.assignment = Assignment.BY_MODULE
    desk.save()
    desk.members.set([helen, olga, alice])
    QueueSkill.objects.create(queue=desk, member=olga, erp_modules="stock, Sale")
    QueueSkill.objects.create(queue=desk, member=alice, erp_modules="account_invoice")
    services.assign(open_one(), olga)  # olga is busier than helen now
    assert open_one(erp_module="sale").assignee == olga  # the only one who knows sale
    assert open_one(erp_module="account_invoice").assignee == alice
    # Nobody knows purchase, and no module at all: the least busy member (helen: none open).
    assert open_one(erp_module="purchase").assignee == helen
    assert open_one().assignee in (helen, alice)


def test_the_queue_page_keeps_members_erp_modules(desk, helen, alice, console_client_for):
    desk.members.set([helen])
    page = console_client_for(alice).get(f"/servicedesk/queue/{desk.pk}/change/")
    assert page.status_code == 200 and "ERP modules" in page.content.decode()


def test_assigning_opens_a_new_ticket(desk, helen):
    ticket = services.assign(open_one(), helen)
    assert ticket.status == TicketStatus.OPEN and ticket.assignee == helen


def test_merging_moves_the_conversation_and_closes_the_duplicate(desk, helen):
    first, duplicate = open_one(), open_one(subject="Same problem again")
    services.merge(duplicate, first, author=helen)
    duplicate.refresh_from_db()
    assert duplicate.status == TicketStatus.CLOSED and duplicate.merged_into == first
    assert first.messages.filter(body__startswith="Merged").exists()
    assert TicketMessage.objects.filter(ticket=duplicate).count() == 0
    with pytest.raises(ValidationError, match="merged into"):
        services.reply(duplicate, "hello", author=helen)
    with pytest.raises(ValidationError, match="itself"):
        services.merge(first, first)


def test_parents_and_children_without_cycles(desk):
    parent, child = open_one(), open_one()
    services.set_parent(child, parent)
    assert list(parent.children.all()) == [child]
    with pytest.raises(ValidationError, match="ancestor"):
        services.set_parent(parent, child)


def test_canned_replies_fill_their_placeholders(desk, helen):
    ticket = open_one(requester_name="李伟")
    text = render_canned(
        "您好 {requester}，工单 {ticket} 已由 {agent} 处理。{unknown}", ticket, helen
    )
    assert text == f"您好 李伟，工单 {ticket.number} 已由 helen 处理。{{unknown}}"


def test_the_requester_rates_a_resolved_ticket(desk):
    ticket = open_one()
    with pytest.raises(ValidationError, match="once it is resolved"):
        services.rate(ticket, 5)
    services.change_status(ticket, TicketStatus.RESOLVED)
    with pytest.raises(ValidationError, match="1 to 5"):
        services.rate(ticket, 6)
    assert services.rate(ticket, 5, "快").csat_rating == 5


def test_attachments_within_the_limits_are_kept_outside_the_web_root(desk, attachment_store):
    ticket = open_one(attachments=[IncomingFile("../../etc/报错.png", b"\x89PNG data")])
    attachment = ticket.attachments.get()
    assert attachment.file_name == "报错.png" and attachment.size == 9
    stored = attachment_store / attachment.stored_name
    assert stored.read_bytes() == b"\x89PNG data"
    assert "报错" not in str(stored)


def test_a_refused_attachment_refuses_the_whole_ticket(desk, attachment_store, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_MB = 1
    big = IncomingFile("dump.zip", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValidationError) as refused:
        open_one(attachments=[big, IncomingFile("tool.exe", b"MZ")])
    text = " ".join(refused.value.message_dict["attachments"])
    assert "larger than 1 MB" in text and "tool.exe" in text
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0
    assert not attachment_store.exists() or not any(attachment_store.rglob("*.*"))


def test_a_reply_that_fails_removes_the_files_it_wrote(desk, attachment_store, helen, monkeypatch):
    ticket = open_one()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("erpkeeper.servicedesk.services.tickets._agent_answered", broken)
    with pytest.raises(RuntimeError):
        services.reply(ticket, "see file", author=helen, attachments=[IncomingFile("a.txt", b"a")])
    assert Attachment.objects.count() == 0
    assert [p for p in attachment_store.rglob("*") if p.is_file()] == []


def test_ticket_numbers_keep_their_shape(db):
    assert re.fullmatch(r"ERP-\d{4}-\d{6}", services.tickets.next_number(2026))


def test_a_new_installation_has_a_queue_and_a_policy_per_priority(db):
    assert Queue.objects.filter(name="Helpdesk").exists()  # created after migrate
    assert SlaPolicy.objects.filter(queue__isnull=True).count() == 4
    assert ensure_defaults() is False  # never twice, never over people's own
    ticket = open_one(impact="high", urgency="high")
    assert ticket.sla_policy.first_response_minutes == 30 and ticket.queue.name == "Helpdesk"


def test_numbering_goes_on_past_999999_and_lists_sort_by_creation(desk, helen, api_client_for):
    year = timezone.now().year
    last = open_one(subject="the 999999th")
    Ticket.objects.filter(pk=last.pk).update(number=f"ERP-{year}-999999")
    # As text, ERP-…-1000000 sorts before ERP-…-999999: the next number must not come from that.
    first_of_the_millions = open_one(subject="the millionth")
    after = open_one(subject="the one after")
    assert first_of_the_millions.number == f"ERP-{year}-1000000"
    assert after.number == f"ERP-{year}-1000001"
    api = api_client_for(helen)
    listed = api.get("/api/v1/tickets/?ordering=number").json()["results"]
    assert [t["subject"] for t in listed] == ["the 999999th", "the millionth", "the one after"]
    newest = api.get("/api/v1/tickets/?ordering=-number").json()["results"][0]
    assert newest["number"] == f"ERP-{year}-1000001"
    # Looking a ticket up by its number still works.
    found = api.get(f"/api/v1/tickets/?search=ERP-{year}-1000000").json()["results"]
    assert [t["number"] for t in found] == [f"ERP-{year}-1000000"]


def test_the_console_sorts_the_number_column_by_creation(desk, helen, client):
    year = timezone.now().year
    last = open_one(subject="the 999999th")
    Ticket.objects.filter(pk=last.pk).update(number=f"ERP-{year}-999999")
    open_one(subject="the millionth")
    client.force_login(helen)
    page = client.get("/servicedesk/ticket/?o=1").content.decode()  # the number column, up
    assert page.index(f"ERP-{year}-999999") < page.index(f"ERP-{year}-1000000")


def test_tickets_go_only_to_who_may_work_on_them(desk, helen, victor):
    ticket = open_one()
    with pytest.raises(ValidationError, match="victor may not work on tickets"):
        services.assign(ticket, victor)
    desk.assignment = Assignment.ROUND_ROBIN
    desk.save()
    desk.members.set([victor, helen])
    assert open_one().assignee == helen  # the viewer in the queue is passed over
