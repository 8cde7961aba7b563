"""The audit trail in the console: attribution of admin changes, browsing, verify, CSV export."""

import csv
import io

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.urls import reverse

from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry
from erpkeeper.targets.models import Target
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:core_auditentry_changelist"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", "a long pass phrase")


@pytest.fixture
def root_client(client, root):
    force_login(client, root)
    return client


def make_target(name="shop", **fields):
    target = Target(name=name, **fields)
    target.set_database_url("sqlite:////tmp/x.sqlite")
    target.save()
    return target


def test_an_admin_change_records_the_signed_in_user_and_the_request_id(root_client, root):
    response = root_client.post(
        reverse("admin:auth_group_add"),
        {"name": "auditors-extra", "_save": "Save"},
        headers={"X-Request-ID": "req-audit-42"},
    )
    assert response.status_code == 302, response.content[:500]
    assert response["X-Request-ID"] == "req-audit-42"
    group = Group.objects.get(name="auditors-extra")
    [entry] = AuditEntry.objects.filter(object_type="auth.group", object_id=str(group.pk))
    assert (entry.actor_id, entry.actor_name, entry.source) == (root.pk, "root", "console")
    assert entry.request_id == "req-audit-42"
    assert entry.action == "create" and entry.after["name"] == "auditors-extra"


def test_an_admin_request_without_an_id_gets_a_generated_one(root_client):
    response = root_client.post(reverse("admin:auth_group_add"), {"name": "g2", "_save": "Save"})
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry.request_id == response["X-Request-ID"] and len(entry.request_id) == 32


def test_the_list_shows_entries_and_filters_by_action_and_object_type(root_client):
    target = make_target()
    target.description = "edited"
    target.save()
    Group.objects.create(name="unrelated")

    page = root_client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    body = page.content.decode()
    assert "targets.target #" in body and "unrelated" in body
    assert "Verify chain" in body and "Export CSV" in body

    filtered = root_client.get(
        reverse(CHANGELIST), {"action__exact": "update", "object_type": "targets.target"}
    )
    rows = filtered.context["cl"].result_list
    assert [(e.action, e.object_type) for e in rows] == [("update", "targets.target")]
    assert "action__exact=update" in filtered.context["audit_export_url"]


def test_the_list_filters_by_actor_and_searches(root_client, alice):
    with audit.audit_context(alice, source="api"):
        make_target("by-alice")
    make_target("by-system")
    by_actor = root_client.get(reverse(CHANGELIST), {"actor_name__icontains": "ali"})
    assert {e.object_repr for e in by_actor.context["cl"].result_list} >= {"by-alice"}
    assert "by-system" not in {e.object_repr for e in by_actor.context["cl"].result_list}
    searched = root_client.get(reverse(CHANGELIST), {"q": "by-system"})
    found = {(e.object_type, e.object_repr) for e in searched.context["cl"].result_list}
    assert ("targets.target", "by-system") in found
    assert all("by-system" in text for _, text in found)


def test_nobody_can_add_change_or_delete_entries_not_even_a_superuser(root_client):
    target = make_target()
    entry = AuditEntry.objects.get(object_type="targets.target", object_id=str(target.pk))
    assert root_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    assert root_client.get(
        reverse("admin:core_auditentry_delete", args=[entry.pk])
    ).status_code in (
        302,
        403,
    )
    change_url = reverse("admin:core_auditentry_change", args=[entry.pk])
    response = root_client.post(change_url, {"actor_name": "mallory"})
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.actor_name == "system"
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    assert audit.verify().ok


def test_the_detail_page_shows_before_and_after_side_by_side(root_client):
    target = make_target(description="old words")
    target.description = "new words"
    target.rpo_minutes = 15
    target.save()
    entry = AuditEntry.objects.filter(object_type="targets.target", action="update").get()
    page = root_client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="audit-changes"' in body
    assert 'data-field="description"' in body and 'data-field="rpo_minutes"' in body
    assert body.index("old words") < body.index("new words")
    assert "RPO target (minutes)" in body  # the field's label, not only its name
    assert reverse("admin:targets_target_change", args=[target.pk]) in body
    assert 'name="_save"' not in body


def test_the_verify_page_reports_an_intact_chain_then_names_the_altered_entry(root_client):
    make_target()
    page = root_client.get(reverse("admin:core_auditentry_verify"))
    assert page.status_code == 200
    assert 'data-ok="true"' in page.content.decode()

    last = AuditEntry.objects.order_by("-sequence").first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET object_repr = 'x' WHERE sequence = %s", [last.sequence]
        )
    body = root_client.get(reverse("admin:core_auditentry_verify")).content.decode()
    assert 'data-ok="false"' in body
    assert f"entry #{last.sequence} was altered" in body


def test_the_csv_export_follows_the_list_filters(root_client):
    target = make_target()
    target.description = "edited"
    target.save()
    target.delete()
    response = root_client.get(
        reverse("admin:core_auditentry_export"), {"object_type": "targets.target"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["action"] for r in rows] == ["create", "update", "delete"]
    assert rows[1]["before"] == '{"description": ""}'
    assert rows[1]["after"] == '{"description": "edited"}'
    assert all(r["object_type"] == "targets.target" and r["hash"] for r in rows)

    updates = root_client.get(reverse("admin:core_auditentry_export"), {"action__exact": "update"})
    text = b"".join(updates.streaming_content).decode()
    assert {r["action"] for r in csv.DictReader(io.StringIO(text))} == {"update"}


def test_the_csv_export_defuses_spreadsheet_formulas(root_client):
    make_target(name='=HYPERLINK("http://evil")')
    response = root_client.get(reverse("admin:core_auditentry_export"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    target_rows = [row for row in rows if row["object_type"] == "targets.target"]
    assert target_rows[-1]["object"] == '\'=HYPERLINK("http://evil")'


def test_a_role_without_the_view_permission_sees_no_audit_page(console_client_for, victor):
    client = console_client_for(victor)
    for name in (CHANGELIST, "admin:core_auditentry_verify", "admin:core_auditentry_export"):
        assert client.get(reverse(name)).status_code == 403, name


def test_the_security_auditor_can_browse_verify_and_export(console_client_for, sam):
    client = console_client_for(sam)
    for name in (CHANGELIST, "admin:core_auditentry_verify", "admin:core_auditentry_export"):
        assert client.get(reverse(name)).status_code == 200, name
