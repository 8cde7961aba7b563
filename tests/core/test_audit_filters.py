"""The audit trail's filters (core/audit/filters.py): the API's list and CSV export and
``erpkeeper audit list|export`` give the same entries and refuse the same bad values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from erpkeeper.cli import EXIT_USAGE, main
from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry
from erpkeeper.targets.models import Target

pytestmark = pytest.mark.django_db

BASE = "/api/v1/audit/"


@pytest.fixture
def auditor(api_client_for, sam):
    return api_client_for(sam)


@pytest.fixture
def history(alice):
    with audit.audit_context(actor_name="system:backup.run", source="job"):
        target = Target(name="shop")
        target.set_database_url("sqlite:////tmp/x.sqlite")
        target.save()
    with audit.audit_context(alice, source="api", request_id="req-1"):
        target.description = "edited"
        target.save()
    return target


def api_sequences(client, query: dict) -> list[int]:
    response = client.get(BASE, {**query, "limit": 1000})
    assert response.status_code == 200, response.json()
    return [row["sequence"] for row in response.json()["results"]]


def cli_sequences(capsys, *options) -> list[int]:
    assert main(["--json", "audit", "list", "--limit", "1000", *options]) == 0
    return [row["sequence"] for row in json.loads(capsys.readouterr().out)]


def as_options(query: dict) -> list[str]:
    return [part for name, value in query.items() for part in (option(name), str(value))]


def option(name: str) -> str:
    return "--" + name.replace("_", "-")


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.mark.parametrize(
    "query",
    [
        {"actor": "SYSTEM:backup.run", "object_type": "targets.target"},
        {"actor": "ALICE_ID"},
        {"action": "update", "object_type": "Targets.Target"},
        {"source": "api"},
        {"request_id": "req-1"},
        {"object_type": "targets.target", "object_id": "TARGET_ID"},
        {"since": "TODAY", "object_type": "targets.target"},
        {"until": "TODAY", "object_type": "targets.target"},
        {"until": "2000-01-01"},
    ],
)
def test_the_api_and_the_cli_list_the_same_entries(auditor, capsys, history, alice, query):
    values = {"ALICE_ID": str(alice.pk), "TARGET_ID": str(history.pk), "TODAY": today()}
    query = {name: values.get(value, value) for name, value in query.items()}
    listed = api_sequences(auditor, query)
    assert listed == cli_sequences(capsys, *as_options(query))
    assert listed or query.get("until") == "2000-01-01"


def test_until_a_date_includes_that_whole_day(auditor, history):
    """A bare date as the end covers the day: ``until=<today>`` lists today's changes."""
    listed = api_sequences(auditor, {"until": today(), "object_type": "targets.target"})
    assert len(listed) == 2
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert api_sequences(auditor, {"until": yesterday}) == []


def test_the_csv_export_has_the_same_entries_in_the_api_and_the_cli(auditor, capsys, history):
    query = {"object_type": "targets.target", "action": "update"}
    response = auditor.get(f"{BASE}export/", query)
    assert response.status_code == 200
    from_api = b"".join(response.streaming_content).decode()
    assert main(["audit", "export", "-o", "-", *as_options(query)]) == 0
    from_cli = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(from_api)))
    assert [row["action"] for row in rows] == ["update"]
    assert list(csv.DictReader(io.StringIO(from_cli))) == rows


def test_a_filter_does_not_hide_the_entry_asked_for_by_its_sequence(auditor, history):
    entry = AuditEntry.objects.filter(action="create").latest("sequence")
    response = auditor.get(f"{BASE}{entry.sequence}/", {"action": "update"})
    assert response.status_code == 200


def test_a_bad_date_is_refused_by_the_api_and_the_cli(auditor, capsys):
    response = auditor.get(BASE, {"until": "yesterday"})
    assert response.status_code == 400
    assert response.json() == {"until": ["not an ISO date or date-time: yesterday"]}
    export = auditor.get(f"{BASE}export/", {"since": "2026-02-30"})
    assert export.status_code == 400
    assert export.json() == {"since": ["not an ISO date or date-time: 2026-02-30"]}
    for command in (["list"], ["export", "-o", "-"]):
        assert main(["audit", *command, "--until", "yesterday"]) == EXIT_USAGE
        last_line = capsys.readouterr().err.splitlines()[-1]  # after the request log's lines
        assert last_line == "error: --until: not an ISO date or date-time: yesterday"


def test_the_actor_filter_is_not_the_global_as_option(capsys, history, alice):
    """``--actor`` filters the list; it once landed on ``--as`` (the user the CLI acts as)."""
    code = main(["--as", "alice", "--json", "audit", "list", "--actor", "system:backup.run"])
    assert code == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {row["actor"] for row in rows} == {"system:backup.run"}
