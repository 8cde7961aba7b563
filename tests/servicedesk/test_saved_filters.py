"""Saved filters of the ticket list: saved from the console, private or shared, applied by the
console, the API (``?saved=``) and the CLI (``--saved``) with the same FilterSet; a query that
no longer works says so."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.cli import main
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import SavedFilter


@pytest.fixture
def tickets(desk):
    return {
        name: services.open_ticket(subject=name, body="x", impact=impact, urgency="high")
        for name, impact in (("urgent one", "high"), ("middling one", "medium"), ("low one", "low"))
    }


def test_a_query_outside_the_lists_filters_is_refused_with_the_reason(helen, desk):
    with pytest.raises(ValidationError) as refused:
        services.save_filter(owner=helen, name="bad", query="colour=red")
    assert "colour" in str(refused.value.message_dict["query"])
    with pytest.raises(ValidationError) as refused:
        services.save_filter(owner=helen, name="bad", query="priority=p9")
    assert "p9" in str(refused.value.message_dict["query"])
    assert not SavedFilter.objects.exists()


def test_saving_under_the_same_name_replaces_the_owners_filter(helen, desk):
    services.save_filter(owner=helen, name="P1", query="priority=p1")
    services.save_filter(owner=helen, name="P1", query="?priority=p1,p2", shared=True)
    saved = SavedFilter.objects.get()
    assert saved.query == "priority=p1,p2" and saved.shared


def test_the_api_applies_a_saved_filter_by_name_or_id(tickets, helen, api_client_for):
    saved = services.save_filter(owner=helen, name="Urgent", query="priority=p1,p2")
    api = api_client_for(helen)
    for key in ("Urgent", saved.pk):
        listed = api.get(f"/api/v1/tickets/?saved={key}&ordering=priority").json()["results"]
        assert [t["subject"] for t in listed] == ["urgent one", "middling one"]
    # Other filters add to it.
    narrowed = api.get("/api/v1/tickets/?saved=Urgent&search=middling").json()["results"]
    assert [t["subject"] for t in narrowed] == ["middling one"]


def test_private_filters_are_the_owners_shared_ones_everyones(tickets, helen, olga, api_client_for):
    services.save_filter(owner=helen, name="Mine", query="priority=p1")
    services.save_filter(owner=helen, name="Team", query="priority=p2", shared=True)
    api = api_client_for(olga)
    refused = api.get("/api/v1/tickets/?saved=Mine")
    assert refused.status_code == 400 and "No saved filter Mine" in json.dumps(refused.json())
    team = api.get("/api/v1/tickets/?saved=Team").json()["results"]
    assert [t["subject"] for t in team] == ["middling one"]


def test_a_stored_query_that_no_longer_works_gives_a_clear_message(tickets, helen, api_client_for):
    saved = services.save_filter(owner=helen, name="Old", query="priority=p1")
    SavedFilter.objects.filter(pk=saved.pk).update(query="priority=p0&colour=red")
    answer = api_client_for(helen).get("/api/v1/tickets/?saved=Old")
    assert answer.status_code == 400
    assert "The saved filter Old no longer works" in answer.json()["saved"][0]
    assert main(["--as", "helen", "ticket", "list", "--saved", "Old"]) == 2


def test_the_cli_lists_with_a_saved_filter(tickets, helen, capsys):
    services.save_filter(owner=helen, name="Urgent", query="priority=p1,p2")
    assert main(["--json", "--as", "helen", "ticket", "list", "--saved", "Urgent"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {row["subject"] for row in rows} == {"urgent one", "middling one"}
    args = ["--json", "--as", "helen", "ticket", "list", "--saved", "Urgent", "--priority", "p1"]
    assert main(args) == 0
    assert [row["subject"] for row in json.loads(capsys.readouterr().out)] == ["urgent one"]
    assert main(["--as", "helen", "ticket", "list", "--saved", "Nothing"]) == 2
    assert "No saved filter Nothing" in capsys.readouterr().err


def test_the_console_saves_the_lists_filter_and_its_link_applies_it(tickets, helen, client):
    client.force_login(helen)
    page = client.get("/servicedesk/ticket/?priority__exact=p1").content.decode()
    assert "Saved filters" in page and "Save this filter" in page
    answer = client.post(
        "/servicedesk/ticket/save-filter/",
        {"name": "P1 only", "shared": "on", "query": "active=true&priority=p1"},
    )
    saved = SavedFilter.objects.get()
    assert saved.owner == helen and saved.shared and saved.query == "active=true&priority=p1"
    listed = client.get(answer["Location"]).content.decode()
    assert "urgent one" in listed and "low one" not in listed and "P1 only" in listed


def test_the_console_turns_its_own_filters_into_the_lists_query(helen, rf):
    from erpkeeper.servicedesk.admin.saved_filters import query_from_console

    params = rf.get("/?active=all&status__exact=open&mine=me&queue__id__exact=3&q=ERP").GET
    assert query_from_console(params, helen) == "status=open&queue=3&search=ERP&assignee=helen"
    assert query_from_console(rf.get("/?mine=nobody").GET, helen) == "active=true&unassigned=true"


def test_a_broken_saved_filter_in_the_console_says_so(tickets, helen, client):
    client.force_login(helen)
    saved = services.save_filter(owner=helen, name="Old", query="priority=p1")
    SavedFilter.objects.filter(pk=saved.pk).update(query="priority=p0")
    answer = client.get(f"/servicedesk/ticket/?saved={saved.pk}", follow=True)
    assert "The saved filter Old no longer works" in answer.content.decode()


def test_only_the_owner_changes_or_deletes_a_shared_filter(tickets, helen, olga, client):
    saved = services.save_filter(owner=helen, name="Team", query="priority=p2", shared=True)
    client.force_login(olga)
    assert client.get("/servicedesk/savedfilter/").status_code == 200
    client.post(f"/servicedesk/savedfilter/{saved.pk}/delete/", {"post": "yes"})
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    client.force_login(helen)
    client.post(f"/servicedesk/savedfilter/{saved.pk}/delete/", {"post": "yes"})
    assert not SavedFilter.objects.exists()
