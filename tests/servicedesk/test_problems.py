"""Problem records: created from incidents, the root cause, known error and workaround told to
the incidents (and their requesters when the agent chooses), resolved with the incidents; in the
console, the API and the CLI, for who may."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import (
    MessageKind,
    Problem,
    ProblemStatus,
    Ticket,
    TicketKind,
    TicketStatus,
)
from tests.fixtures.alerts import make_target

POSTED = {"_form_submitted": "on"}  # what unfold's dialog form posts


@pytest.fixture
def incidents(desk, shop):
    return [
        services.open_ticket(
            subject=f"MRP run locks stock {n}",
            body="The nightly MRP run holds locks until 09:00.",
            kind=TicketKind.INCIDENT if n == 1 else TicketKind.REQUEST,
            target=shop,
            requester_email=f"user{n}@example.cn",
        )
        for n in (1, 2)
    ]


def notes(ticket) -> list[str]:
    return list(ticket.messages.filter(kind=MessageKind.NOTE).values_list("body", flat=True))


def test_a_problem_created_from_incidents_groups_them_with_their_targets(incidents, shop, olga):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents, owner=olga)
    assert problem.number == f"PRB-{timezone.now().year}-000001"
    assert problem.status == ProblemStatus.NEW and problem.owner == olga
    assert list(problem.targets.all()) == [shop]
    assert {t.pk for t in problem.incidents.all()} == {t.pk for t in incidents}
    second = services.create_problem(title="Another")
    assert second.number.endswith("-000002")


def test_a_problem_needs_a_title(desk):
    with pytest.raises(ValidationError) as refused:
        services.create_problem(title="  ")
    assert "title" in refused.value.message_dict
    assert not Problem.objects.exists()


def test_diagnosis_moves_the_status_and_a_workaround_reaches_the_incidents(incidents, olga):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    services.record_diagnosis(problem, root_cause="MRP runs at 08:00 in UTC", author=olga)
    assert problem.status == ProblemStatus.INVESTIGATING
    assert all(not notes(t) for t in incidents)  # a root cause alone tells nobody
    services.record_diagnosis(problem, known_error="Stock locked 08:00-09:00", author=olga)
    assert problem.status == ProblemStatus.KNOWN_ERROR
    services.record_diagnosis(problem, workaround="Post stock moves after 09:00.", author=olga)
    for ticket in incidents:
        assert any("Post stock moves after 09:00." in note for note in notes(ticket))
        assert problem.number in notes(ticket)[-1]
        # Only a note: the requesters were not told.
        assert not ticket.messages.filter(kind=MessageKind.REPLY, author=olga).exists()


def test_the_agent_may_send_the_workaround_to_the_requesters(incidents, helen):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    services.record_diagnosis(
        problem, workaround="Post stock moves after 09:00.", author=helen, tell_requesters=True
    )
    for ticket in incidents:
        reply = ticket.messages.filter(kind=MessageKind.REPLY, author=helen).get()
        assert reply.body == "Post stock moves after 09:00."
        ticket.refresh_from_db()
        assert ticket.first_response_at is not None  # it is an answer to the requester


def test_closed_tickets_do_not_get_the_workaround(incidents, helen):
    services.close(incidents[1])
    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    services.record_diagnosis(problem, workaround="Wait until 09:00.", author=helen)
    assert notes(Ticket.objects.get(pk=incidents[0].pk))
    assert not notes(Ticket.objects.get(pk=incidents[1].pk))


def test_resolving_with_the_incidents_answers_and_resolves_them(incidents, helen):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    services.resolve_problem(
        problem, author=helen, resolve_incidents=True, reply="MRP now runs at 02:00."
    )
    assert problem.status == ProblemStatus.RESOLVED and problem.resolved_at
    for ticket in incidents:
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.RESOLVED
        assert ticket.messages.filter(body="MRP now runs at 02:00.", author=helen).exists()


def test_resolving_the_incidents_needs_the_reply_and_writes_nothing_without_it(incidents):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    with pytest.raises(ValidationError) as refused:
        services.resolve_problem(problem, resolve_incidents=True, reply=" ")
    assert "reply" in refused.value.message_dict
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.NEW
    assert not Ticket.objects.filter(status=TicketStatus.RESOLVED).exists()


def test_link_unlink_and_a_closed_problem_takes_no_more_tickets(incidents, desk):
    problem = services.create_problem(title="MRP locks stock", tickets=incidents[:1])
    other = make_target("warehouse")
    third = services.open_ticket(subject="third", body="x", target=other)
    services.link(problem, [incidents[1], third])
    assert problem.incidents.count() == 3 and problem.targets.filter(name="warehouse").exists()
    services.unlink(problem, [incidents[0]])
    assert Ticket.objects.get(pk=incidents[0].pk).problem is None
    services.close_problem(problem)
    with pytest.raises(ValidationError, match="is closed"):
        services.link(problem, [incidents[0]])


def test_problem_changes_are_audited(incidents, olga):
    from erpkeeper.core.models import AuditEntry

    problem = services.create_problem(title="MRP locks stock", tickets=incidents)
    services.record_diagnosis(problem, workaround="Later.", author=olga)
    assert AuditEntry.objects.filter(object_type="servicedesk.problem").count() >= 2


# -- the API ---------------------------------------------------------------------------------------


def test_an_ops_engineer_works_a_problem_through_the_api(incidents, olga, api_client_for):
    api = api_client_for(olga)
    numbers = [t.number for t in incidents]
    created = api.post(
        "/api/v1/problems/", {"title": "MRP locks stock", "tickets": numbers[:1]}, format="json"
    )
    assert created.status_code == 201, created.json()
    problem = created.json()
    assert problem["owner"] == "olga" and problem["targets"] == ["shop"]
    url = f"/api/v1/problems/{problem['id']}/"
    linked = api.post(url + "link/", {"tickets": numbers[1:]}, format="json")
    assert [t["number"] for t in linked.json()["incidents"]] == numbers
    diagnosed = api.post(url + "diagnosis/", {"workaround": "After 09:00."}, format="json")
    assert diagnosed.json()["status"] == "known_error"
    resolved = api.post(
        url + "resolve/", {"resolve_incidents": True, "reply": "Fixed."}, format="json"
    )
    assert resolved.json()["status"] == "resolved"
    assert {t["status"] for t in resolved.json()["incidents"]} == {"resolved"}
    listed = api.get("/api/v1/problems/?active=false").json()["results"]
    assert [p["number"] for p in listed] == [problem["number"]]


def test_the_api_names_unknown_tickets_and_a_missing_reply(incidents, helen, api_client_for):
    api = api_client_for(helen)
    refused = api.post(
        "/api/v1/problems/", {"title": "x", "tickets": ["ERP-2026-999999"]}, format="json"
    )
    assert refused.status_code == 400 and "ERP-2026-999999" in json.dumps(refused.json())
    problem = services.create_problem(title="MRP", tickets=incidents)
    answer = api.post(
        f"/api/v1/problems/{problem.pk}/resolve/", {"resolve_incidents": True}, format="json"
    )
    assert answer.status_code == 400 and "reply" in answer.json()


def test_a_manager_reads_problems_and_changes_none(incidents, mark, api_client_for):
    problem = services.create_problem(title="MRP", tickets=incidents)
    api = api_client_for(mark)
    assert api.get(f"/api/v1/problems/{problem.pk}/").status_code == 200
    assert api.post(f"/api/v1/problems/{problem.pk}/close/").status_code == 403


# -- the CLI ---------------------------------------------------------------------------------------


def test_the_cli_creates_links_shows_and_resolves(incidents, olga, capsys):
    first, second = (t.number for t in incidents)
    assert main(["--as", "olga", "problem", "create", "--title", "MRP locks", first]) == 0
    number = Problem.objects.get().number
    assert f"created {number}" in capsys.readouterr().out
    assert main(["--as", "olga", "problem", "link", number, second]) == 0
    assert main(["--json", "problem", "show", number]) == 0
    shown = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [t["number"] for t in shown["incident_list"]] == [first, second]
    assert (
        main(["--as", "olga", "problem", "diagnose", number, "--workaround", "After 09:00."]) == 0
    )
    assert main(["--as", "olga", "problem", "resolve", number, "--resolve-incidents"]) == 2
    assert "reply" in capsys.readouterr().err
    args = ["--as", "olga", "problem", "resolve", number, "--resolve-incidents", "--reply", "Done."]
    assert main(args) == 0
    assert main(["--json", "problem", "list", "--status", "resolved"]) == 0
    assert number in capsys.readouterr().out
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}


def test_the_cli_refuses_an_unknown_ticket_and_a_reader_without_the_right(incidents, victor):
    assert main(["problem", "create", "--title", "x", "ERP-2026-999999"]) == 3
    assert main(["--as", "victor", "problem", "list"]) == 2
    assert not Problem.objects.exists()


# -- the console -----------------------------------------------------------------------------------


def test_the_ticket_list_creates_a_problem_from_selected_incidents(incidents, helen, client):
    client.force_login(helen)
    answer = client.post(
        "/servicedesk/ticket/",
        {"action": "create_problem", "_selected_action": [t.pk for t in incidents]},
    )
    problem = Problem.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/{problem.pk}/change/")
    assert problem.incidents.count() == 2 and problem.owner == helen
    page = client.get(f"/servicedesk/problem/{problem.pk}/change/").content.decode()
    assert all(t.number in page for t in incidents)  # the incidents inline
    assert problem.number in client.get("/servicedesk/problem/").content.decode()
    ticket_page = client.get(f"/servicedesk/ticket/{incidents[0].pk}/change/").content.decode()
    assert problem.number in ticket_page


def test_the_problem_page_links_tells_and_resolves(incidents, helen, client):
    client.force_login(helen)
    problem = services.create_problem(title="MRP", tickets=incidents[:1])
    base = f"/servicedesk/problem/{problem.pk}"
    client.post(f"{base}/link_detail/", {**POSTED, "numbers": incidents[1].number})
    assert problem.incidents.count() == 2
    answer = client.post(
        f"{base}/change/",
        {
            "title": "MRP locks stock",
            "description": "",
            "owner": "",
            "targets": [],
            "root_cause": "",
            "known_error": "Locks 08:00-09:00",
            "workaround": "After 09:00.",
            "ticket_set-TOTAL_FORMS": "2",
            "ticket_set-INITIAL_FORMS": "2",
            "incidents-TOTAL_FORMS": "2",
            "incidents-INITIAL_FORMS": "2",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR and problem.title == "MRP locks stock"
    assert all(notes(t) for t in incidents)
    client.post(f"{base}/tell_detail/", POSTED)
    assert all(t.messages.filter(kind=MessageKind.REPLY, author=helen) for t in incidents)
    client.post(f"{base}/resolve_detail/", {**POSTED, "resolve_incidents": "on", "reply": "OK"})
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.RESOLVED
    assert set(Ticket.objects.values_list("status", flat=True)) == {"resolved"}


def test_readers_without_the_right_do_not_see_problems(incidents, victor, mark, client):
    problem = services.create_problem(title="MRP", tickets=incidents)
    client.force_login(victor)
    assert client.get(f"/servicedesk/problem/{problem.pk}/change/").status_code == 403
    client.force_login(mark)
    assert client.get(f"/servicedesk/problem/{problem.pk}/change/").status_code == 200
    client.post(f"/servicedesk/problem/{problem.pk}/close/")
    assert Problem.objects.get().status == ProblemStatus.NEW


def test_problem_pages_render_and_the_add_form_creates_one(incidents, shop, olga, client):
    client.force_login(olga)
    for url in ("/servicedesk/problem/", "/servicedesk/problem/add/", "/servicedesk/savedfilter/"):
        assert client.get(url).status_code == 200, url
    answer = client.post(
        "/servicedesk/problem/add/",
        {
            "title": "Backups slow the ERP at night",
            "description": "",
            "owner": olga.pk,
            "targets": [shop.pk],
            "incidents-TOTAL_FORMS": "0",
            "incidents-INITIAL_FORMS": "0",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    problem = Problem.objects.get()
    assert problem.number.startswith("PRB-") and list(problem.targets.all()) == [shop]
    assert client.get("/servicedesk/problem/?status__exact=new").status_code == 200
