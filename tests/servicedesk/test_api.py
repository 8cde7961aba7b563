"""/api/v1/tickets/ as an agent uses it, and bad input answered with a 400 naming the field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import CannedReply, Ticket, TicketStatus


@pytest.fixture
def agent_api(helen, api_client_for):
    return api_client_for(helen)


def test_an_agent_opens_answers_assigns_and_resolves_a_ticket(desk, shop, helen, agent_api):
    created = agent_api.post(
        "/api/v1/tickets/",
        {
            "subject": "库存数量不对",
            "body": "Stock of P-100 shows -3.",
            "target": "shop",
            "erp_module": "stock",
            "impact": "high",
            "urgency": "medium",
            "requester_email": "wang@example.com",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    ticket = created.json()
    assert ticket["priority"] == "p2" and ticket["target"] == "shop"
    assert ticket["messages"][0]["body"] == "Stock of P-100 shows -3."
    url = f"/api/v1/tickets/{ticket['id']}/"
    answer = agent_api.post(url + "reply/", {"body": "Checking the moves."}, format="json")
    assert answer.status_code == 200 and answer.json()["first_response_at"]
    assert (
        agent_api.post(url + "assign/", {"assignee": "helen"}, format="json").json()["assignee"]
        == "helen"
    )
    resolved = agent_api.post(url + "status/", {"status": "resolved"}, format="json")
    assert resolved.json()["status"] == "resolved" and resolved.json()["sla_status"] == "met"


def test_the_list_filters_and_sorts(desk, agent_api):
    for impact in ("low", "high", "medium"):
        services.open_ticket(subject=f"{impact} one", body="x", impact=impact, urgency="high")
    listed = agent_api.get("/api/v1/tickets/?active=true&queue=Helpdesk&ordering=priority")
    assert [t["priority"] for t in listed.json()["results"]] == ["p1", "p2", "p3"]
    found = agent_api.get("/api/v1/tickets/?search=medium&priority=p2,p3").json()["results"]
    assert [t["subject"] for t in found] == ["medium one"]


def test_a_canned_reply_is_filled_in(desk, helen, agent_api):
    ticket = services.open_ticket(subject="x", body="y", requester_name="王芳")
    CannedReply.objects.create(name="thanks", body="{requester}，工单 {ticket} 已收到。")
    agent_api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"canned": "thanks"}, format="json")
    assert ticket.messages.last().body == f"王芳，工单 {ticket.number} 已收到。"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("", {"subject": "x"}, "body"),
        ("", {"subject": "x", "body": "y", "impact": "enormous"}, "impact"),
        ("", {"subject": "x", "body": "y", "target": "nowhere"}, "target"),
        ("{id}/reply/", {"body": "  "}, "body"),
        ("{id}/assign/", {"assignee": "nobody-like-this"}, "assignee"),
        ("{id}/assign/", {}, "assignee"),
        ("{id}/status/", {"status": "done"}, "status"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(desk, agent_api, path, body, field):
    ticket = services.open_ticket(subject="x", body="y")
    response = agent_api.post("/api/v1/tickets/" + path.format(id=ticket.pk), body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_an_impossible_move_is_a_400(desk, agent_api):
    ticket = services.close(services.open_ticket(subject="x", body="y"))
    response = agent_api.post(
        f"/api/v1/tickets/{ticket.pk}/status/", {"status": "waiting"}, format="json"
    )
    assert response.status_code == 400 and "cannot become" in str(response.json())
    assert Ticket.objects.get().status == TicketStatus.CLOSED


def test_a_forbidden_attachment_refuses_the_upload(desk, agent_api, attachment_store):
    upload = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = agent_api.post(
        "/api/v1/tickets/",
        {"subject": "x", "body": "y", "attachments": [upload]},
        format="multipart",
    )
    assert response.status_code == 400 and "virus.exe" in str(response.json()["attachments"])
    assert not Ticket.objects.exists()
