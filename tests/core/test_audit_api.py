"""/api/v1/audit/: list, filters, verify and CSV export; who may read; API-token attribution."""

import csv
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory

from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db

BASE = "/api/v1/audit/"


def make_target(name="shop"):
    target = Target(name=name)
    target.set_database_url("sqlite:////tmp/x.sqlite")
    target.save()
    return target


@pytest.fixture
def auditor(api_client_for, sam):
    return api_client_for(sam)


@pytest.fixture
def history():
    with audit.audit_context(actor_name="system:backup.run", source="job"):
        target = make_target()
        target.description = "edited"
        target.save()
    return target


def test_the_list_is_newest_first_and_filters(auditor, history):
    response = auditor.get(BASE, {"object_type": "targets.target", "object_id": history.pk})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["action"] for r in results] == ["update", "create"]
    assert results[0]["before"] == {"description": ""}
    assert results[0]["after"] == {"description": "edited"}
    assert results[0]["actor_name"] == "system:backup.run" and results[0]["source"] == "job"
    assert set(results[0]) >= {"sequence", "time", "prev_hash", "hash", "request_id"}

    only_updates = auditor.get(BASE, {"action": "update", "actor": "system:backup.run"}).json()
    assert [r["action"] for r in only_updates["results"]] == ["update"]
    assert auditor.get(BASE, {"since": "2999-01-01"}).json()["results"] == []
    # Adding a target also gives it a default backup policy: filter to the target's entries.
    window = {"until": "2999-01-01", "source": "job", "object_type": "targets.target"}
    assert len(auditor.get(BASE, window).json()["results"]) == 2


def test_bad_filters_are_a_400_naming_the_filter(auditor):
    response = auditor.get(BASE, {"since": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {"since": ["not an ISO date or date-time: yesterday"]}
    response = auditor.get(BASE, {"action": "rename"})
    assert response.status_code == 400
    assert response.json() == {"action": ["unknown action rename (create, update or delete)"]}


def test_one_entry_by_its_sequence(auditor, history):
    entry = AuditEntry.objects.filter(object_type="targets.target").latest("sequence")
    response = auditor.get(f"{BASE}{entry.sequence}/")
    assert response.status_code == 200
    assert response.json()["hash"] == entry.hash


def test_verify_reports_ok_then_names_the_altered_entry(auditor, history):
    data = auditor.get(f"{BASE}verify/").json()
    assert data["ok"] is True and data["checked"] == AuditEntry.objects.count()
    assert data["head"]["hash"] == AuditEntry.objects.latest("sequence").hash

    entry = AuditEntry.objects.filter(object_type="targets.target").earliest("sequence")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_name = 'alice' WHERE sequence = %s", [entry.sequence]
        )
    data = auditor.get(f"{BASE}verify/").json()
    assert data["ok"] is False
    assert data["problems"] == [
        {
            "kind": "altered",
            "sequence": entry.sequence,
            "message": f"entry #{entry.sequence} was altered",
        }
    ]


def test_export_is_csv_with_the_filters(auditor, history):
    response = auditor.get(f"{BASE}export/", {"object_type": "targets.target"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == ["create", "update"]
    assert rows[0]["actor"] == "system:backup.run"
    assert auditor.get(f"{BASE}export/", HTTP_ACCEPT="text/csv").status_code == 200


@pytest.mark.parametrize("path", ["", "verify/", "export/"])
def test_a_user_without_the_view_permission_gets_a_403_json(api_client_for, victor, path):
    response = api_client_for(victor).get(BASE + path)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_anonymous_clients_are_refused(client):
    response = client.get(BASE)
    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_entries_cannot_be_written_through_the_api(api_client_for, history):
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", "root@example.com", "a long pass phrase")
    client = api_client_for(root)
    entry = AuditEntry.objects.latest("sequence")
    assert client.post(BASE, {"actor_name": "x"}, format="json").status_code == 405
    assert client.delete(f"{BASE}{entry.sequence}/").status_code == 405
    assert client.patch(f"{BASE}{entry.sequence}/", {}, format="json").status_code == 405
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_changes_through_an_api_token_are_attributed_to_its_user(api_client_for, alice):
    client = api_client_for(alice)
    response = client.patch(
        "/api/v1/me/", {"language": "zh-hans"}, format="json", HTTP_X_REQUEST_ID="api-req-7"
    )
    assert response.status_code == 200, response.content
    entry = AuditEntry.objects.filter(object_type="accounts.profile").latest("sequence")
    assert (entry.actor_id, entry.actor_name, entry.source) == (alice.pk, "alice", "api")
    assert entry.request_id == "api-req-7"
    assert entry.after == {"language": "zh-hans"}


def test_a_request_context_resolves_the_user_when_the_change_is_recorded(alice):
    """DRF authenticates after the middleware: the actor is read from request.user lazily."""
    request = RequestFactory().post("/api/v1/targets/")
    request.user = AnonymousUser()
    with audit.audit_context(source="api", request_id="r-1", request=request):
        make_target("before-auth")
        request.user = alice  # what DRF does once a token is accepted
        make_target("after-auth")
    before, after = AuditEntry.objects.filter(object_type="targets.target").order_by("sequence")
    assert (before.actor_id, before.actor_name) == (None, "system")
    assert (after.actor_id, after.actor_name, after.request_id) == (alice.pk, "alice", "r-1")


def test_set_request_actor_attributes_the_rest_of_the_request(alice):
    request = RequestFactory().get("/api/v1/")
    request.request_id = "r-2"
    with audit.audit_context(source="api", request_id="r-2"):
        audit.set_request_actor(request, alice)
        make_target()
    assert audit.current_context().actor_name == "system"  # restored after the block
    entry = AuditEntry.objects.filter(object_type="targets.target").get()
    assert (entry.actor_id, entry.source, entry.request_id) == (alice.pk, "api", "r-2")
