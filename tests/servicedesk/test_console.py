"""The agent desk in the console: every page renders, a ticket opened from the add form, the
conversation with the reply box, notes, status moves, merging, bulk actions, attachments served
only to who may see the ticket."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import MessageKind, Ticket, TicketStatus
from erpkeeper.servicedesk.services import IncomingFile

POSTED = {"_form_submitted": "on"}  # what unfold's dialog form posts


@pytest.fixture
def agent(helen, client):
    client.force_login(helen)
    return client


@pytest.fixture
def ticket(desk, attachment_store):
    return services.open_ticket(
        subject="发票过账失败",
        body="INV-7 will not post.",
        requester_email="li@example.com",
        attachments=[IncomingFile("log.txt", b"traceback...")],
    )


def test_every_desk_page_renders_for_an_agent(agent, ticket, desk):
    for url in (
        "/servicedesk/ticket/",
        "/servicedesk/ticket/?active=all",
        "/servicedesk/ticket/?mine=me",
        "/servicedesk/ticket/add/",
        f"/servicedesk/ticket/{ticket.pk}/change/",
        "/servicedesk/queue/",
        f"/servicedesk/queue/{desk.pk}/change/",
        "/servicedesk/slapolicy/",
        "/servicedesk/cannedreply/",
        "/",
    ):
        assert agent.get(url).status_code == 200, url


def test_the_list_shows_status_priority_and_the_sla_badge(agent, ticket):
    html = agent.get("/servicedesk/ticket/").content.decode()
    assert ticket.number in html and "发票过账失败" in html and "Within target" in html


def test_an_agent_opens_a_ticket_from_the_add_form(agent, desk):
    answer = agent.post(
        "/servicedesk/ticket/add/",
        {
            "subject": "权限申请",
            "category": "access",
            "impact": "medium",
            "urgency": "medium",
            "queue": desk.pk,
            "requester_email": "zhao@example.com",
            "body": "Needs the purchase approver role.",
            "attachments": SimpleUploadedFile("form.pdf", b"%PDF-1.4"),
        },
    )
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer.url.endswith(f"/{ticket.pk}/change/")
    assert ticket.priority == "p3" and ticket.attachments.get().file_name == "form.pdf"


def test_a_forbidden_attachment_is_refused_by_the_add_form(agent, desk, attachment_store):
    answer = agent.post(
        "/servicedesk/ticket/add/",
        {
            "subject": "x",
            "category": "other",
            "impact": "low",
            "urgency": "low",
            "body": "y",
            "attachments": SimpleUploadedFile("run.bat", b"echo"),
        },
    )
    assert answer.status_code == 200 and "run.bat" in answer.content.decode()
    assert not Ticket.objects.exists()


def test_the_conversation_and_the_reply_box(agent, ticket):
    page = agent.get(f"/servicedesk/ticket/{ticket.pk}/change/").content.decode()
    assert "INV-7 will not post." in page and 'data-testid="reply-form"' in page
    assert "log.txt" in page
    agent.post(
        f"/servicedesk/ticket/{ticket.pk}/reply/",
        {"body": "Locked period; unlocking.", "public": "1", "status": "waiting"},
    )
    agent.post(f"/servicedesk/ticket/{ticket.pk}/reply/", {"body": "check lock", "public": "0"})
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.first_response_at
    assert ticket.messages.filter(kind=MessageKind.NOTE).get().body == "check lock"


def test_an_empty_reply_is_refused_with_a_message(agent, ticket):
    answer = agent.post(f"/servicedesk/ticket/{ticket.pk}/reply/", {"body": "", "public": "1"})
    assert answer.status_code == 302
    assert ticket.messages.count() == 2  # the description and the acknowledgement


def test_resolve_reopen_close_and_merge_from_the_ticket_page(agent, ticket, desk):
    base = f"/servicedesk/ticket/{ticket.pk}"
    agent.get(f"{base}/resolve/")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.RESOLVED
    agent.get(f"{base}/reopen/")
    assert Ticket.objects.get(pk=ticket.pk).reopen_count == 1
    other = services.open_ticket(subject="dup", body="dup")
    agent.post(f"/servicedesk/ticket/{other.pk}/merge_detail/", {**POSTED, "number": ticket.number})
    assert Ticket.objects.get(pk=other.pk).merged_into == ticket
    agent.post(f"{base}/close_detail/", POSTED)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.CLOSED


def test_bulk_assign_to_me_and_close(agent, ticket, helen):
    second = services.open_ticket(subject="two", body="two")
    ids = [ticket.pk, second.pk]
    agent.post("/servicedesk/ticket/", {"action": "assign_to_me", "_selected_action": ids})
    assert set(Ticket.objects.values_list("assignee", flat=True)) == {helen.pk}
    agent.post("/servicedesk/ticket/", {"action": "close_selected", "_selected_action": ids})
    assert set(Ticket.objects.values_list("status", flat=True)) == {"closed"}


def test_attachments_are_downloads_for_who_may_see_the_ticket(agent, ticket, client):
    attachment = ticket.attachments.get()
    url = f"/servicedesk/ticket/{ticket.pk}/attachment/{attachment.pk}/"
    answer = agent.get(url)
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == b"traceback..."
    assert "attachment" in answer["Content-Disposition"]
    assert answer["X-Content-Type-Options"] == "nosniff"
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
