"""The alert and silence lists' filters (alerts/filters.py): the API and ``erpkeeper alert
list`` / ``alert silence list`` give the same rows and refuse the same bad values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Severity, Silence
from erpkeeper.cli import EXIT_USAGE, main
from tests.fixtures.alerts import make_rule, make_target

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_rules_only():
    AlertRule.objects.filter(is_default=True).update(enabled=False)


@pytest.fixture
def alerts():
    shop, depot = make_target("shop"), make_target("depot")
    disk, cpu = make_rule("Disk"), make_rule("CPU", metric="test.cpu.percent")
    now = timezone.now()

    def alert(name, rule, target, state, severity, minutes_ago):
        return Alert.objects.create(
            rule=rule,
            target=target,
            state=state,
            severity=severity,
            summary=name,
            fingerprint=name,
            started=now - dt.timedelta(minutes=minutes_ago),
        )

    return {
        "shop-disk": alert("shop-disk", disk, shop, AlertState.FIRING, Severity.CRITICAL, 5),
        "shop-cpu": alert("shop-cpu", cpu, shop, AlertState.PENDING, Severity.WARNING, 4),
        "depot-disk": alert("depot-disk", disk, depot, AlertState.FIRING, Severity.WARNING, 3),
        "old": alert("old", cpu, depot, AlertState.RESOLVED, Severity.CRITICAL, 60),
    }


@pytest.fixture
def viewer(victor, api_client_for):
    return api_client_for(victor)


def api_ids(client, path: str, query: dict) -> list[int]:
    response = client.get(path, query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cli_ids(capsys, *argv) -> list[int]:
    assert main(["--json", *argv]) == 0
    return [row["id"] for row in json.loads(capsys.readouterr().out)]


def as_options(query: dict) -> list[str]:
    return [part for name, value in query.items() for part in (f"--{name}", str(value))]


@pytest.mark.parametrize(
    "query",
    [
        {"state": "firing"},
        {"state": "resolved"},
        {"state": "firing", "severity": "critical"},
        {"state": "pending", "target": "shop"},
        {"state": "firing", "target": "DEPOT_ID"},
        {"state": "firing", "rule": "DISK_ID"},
        {"state": "firing", "target": "nowhere"},
    ],
)
def test_the_api_and_the_cli_list_the_same_alerts(viewer, capsys, alerts, query):
    values = {
        "DEPOT_ID": str(alerts["depot-disk"].target_id),
        "DISK_ID": str(alerts["shop-disk"].rule_id),
    }
    query = {name: values.get(value, value) for name, value in query.items()}
    listed = api_ids(viewer, "/api/v1/alerts/", query)
    assert sorted(listed) == sorted(cli_ids(capsys, "alert", "list", *as_options(query)))
    assert listed or query.get("target") == "nowhere"


def test_the_cli_lists_open_alerts_unless_given_a_state(capsys, alerts):
    listed = cli_ids(capsys, "alert", "list", "--target", "shop")
    assert sorted(listed) == sorted([alerts["shop-disk"].pk, alerts["shop-cpu"].pk])
    assert alerts["old"].pk not in cli_ids(capsys, "alert", "list")


def test_bad_filters_are_refused_naming_them(viewer, capsys, alerts):
    response = viewer.get("/api/v1/alerts/", {"rule": "disk"})
    assert response.status_code == 400
    assert response.json() == {"rule": ["Give a whole number."]}
    response = viewer.get("/api/v1/alerts/", {"state": "exploded"})
    assert response.status_code == 400
    assert list(response.json()) == ["state"] and "exploded" in response.json()["state"][0]
    capsys.readouterr()
    assert main(["alert", "list", "--rule", "disk"]) == EXIT_USAGE
    assert capsys.readouterr().err == "error: --rule: Give a whole number.\n"
    assert main(["alert", "list", "--state", "exploded"]) == EXIT_USAGE
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_a_list_filter_does_not_hide_the_alert_acted_on(olga, api_client_for, alerts):
    resolved = alerts["old"]
    client = api_client_for(olga)
    response = client.get(f"/api/v1/alerts/{resolved.pk}/", {"state": "firing"})
    assert response.status_code == 200
    firing = alerts["shop-disk"]
    answer = client.post(f"/api/v1/alerts/{firing.pk}/acknowledge/?state=resolved")
    assert answer.status_code == 200, answer.json()


@pytest.fixture
def silences(alice):
    now = timezone.now()
    shop = make_target("shop")

    def silence(comment, starts, ends):
        return Silence.objects.create(
            target=shop, comment=comment, starts=now + starts, ends=now + ends, created_by=alice
        )

    hour = dt.timedelta(hours=1)
    return {
        "now": silence("in force", -hour, hour),
        "past": silence("over", -2 * hour, -hour),
        "later": silence("not yet", hour, 2 * hour),
    }


@pytest.mark.parametrize(
    ("query", "options", "expected"),
    [
        ({"active": "true"}, [], ["now"]),
        ({"active": "true"}, ["--active", "true"], ["now"]),
        ({"active": "false"}, ["--active", "false"], ["later", "past"]),
        ({}, ["--all"], ["later", "now", "past"]),
    ],
)
def test_the_api_and_the_cli_list_the_same_silences(
    viewer, capsys, silences, query, options, expected
):
    listed = api_ids(viewer, "/api/v1/silences/", query)
    assert listed == cli_ids(capsys, "alert", "silence", "list", *options)
    assert sorted(listed) == sorted(silences[name].pk for name in expected)


def test_active_must_be_true_or_false(viewer, capsys, silences):
    response = viewer.get("/api/v1/silences/", {"active": "maybe"})
    assert response.status_code == 400
    assert response.json() == {"active": ["Give true or false."]}
    capsys.readouterr()
    assert main(["alert", "silence", "list", "--active", "maybe"]) == EXIT_USAGE
    assert len(capsys.readouterr().err.splitlines()) == 1
