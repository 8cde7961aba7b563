"""The alert API and CLI as people use them: personas and their roles, filters, rule and
silence management, manual evaluation."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Silence
from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_USAGE, main
from tests.fixtures.alerts import (
    feed,
    make_host,
    make_rule,
    make_target,
    only_alert,
    start_time,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


@pytest.fixture
def firing_alert():
    shop, start = make_target("shop"), start_time()
    host = make_host(targets=[shop])
    make_rule(critical_threshold=95)
    feed(host, "test.disk.percent", 97, start)
    evaluate(start)
    return only_alert()


def needs_alert_permissions(user):
    # The Ops engineer role gets the alerts app from the alerts AppConfig's role rules; losing
    # them must fail the tests that use it, not skip them.
    assert user.has_perm("alerts.change_alert")


def test_an_ops_engineer_acknowledges_and_resolves_through_the_api(
    firing_alert, olga, api_client_for
):
    needs_alert_permissions(olga)
    client = api_client_for(olga)
    listed = client.get("/api/v1/alerts/", {"state": "firing", "target": "shop"})
    assert listed.status_code == 200
    assert [a["id"] for a in listed.json()["results"]] == [firing_alert.pk]
    assert client.get("/api/v1/alerts/", {"severity": "warning"}).json()["count"] == 0

    acked = client.post(f"/api/v1/alerts/{firing_alert.pk}/acknowledge/")
    assert acked.status_code == 200 and acked.json()["acknowledged_by"] == "olga"
    resolved = client.post(f"/api/v1/alerts/{firing_alert.pk}/resolve/")
    assert resolved.status_code == 200
    assert resolved.json()["state"] == "resolved" and resolved.json()["resolved_by"] == "olga"
    again = client.post(f"/api/v1/alerts/{firing_alert.pk}/resolve/")
    assert again.status_code == 400


def test_a_viewer_reads_alerts_but_cannot_act(firing_alert, victor, api_client_for):
    client = api_client_for(victor)
    assert client.get(f"/api/v1/alerts/{firing_alert.pk}/").status_code == 200
    assert client.post(f"/api/v1/alerts/{firing_alert.pk}/acknowledge/").status_code == 403
    assert client.post(f"/api/v1/alerts/{firing_alert.pk}/resolve/").status_code == 403
    assert client.post("/api/v1/alert-rules/", {}, format="json").status_code == 403
    firing_alert.refresh_from_db()
    assert firing_alert.state == AlertState.FIRING and firing_alert.acknowledged_at is None


def test_rules_and_silences_through_the_api(alice, api_client_for):
    make_target("shop")
    client = api_client_for(alice)
    created = client.post(
        "/api/v1/alert-rules/",
        {
            "name": "Disk /var",
            "metric": "host.disk.percent",
            "label_selector": {"mount": "/var"},
            "warning_threshold": 80,
            "critical_threshold": 90,
            "targets": ["shop"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    bad = client.patch(f"/api/v1/alert-rules/{rule_id}/", {"recovery_threshold": 85}, format="json")
    assert bad.status_code == 400 and "recovery_threshold" in bad.json()
    default = AlertRule.objects.get(default_key="disk")
    assert client.delete(f"/api/v1/alert-rules/{default.pk}/").status_code == 400
    assert client.delete(f"/api/v1/alert-rules/{rule_id}/").status_code == 204

    silence = client.post(
        "/api/v1/silences/",
        {"target": "shop", "duration_minutes": 120, "comment": "migration"},
        format="json",
    )
    assert silence.status_code == 201, silence.json()
    assert silence.json()["created_by"] == "alice"
    assert client.get("/api/v1/silences/", {"active": "true"}).json()["count"] == 1
    expired = client.post(f"/api/v1/silences/{silence.json()['id']}/expire/")
    assert expired.status_code == 200
    assert client.get("/api/v1/silences/", {"active": "true"}).json()["count"] == 0


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_lists_acknowledges_and_silences(firing_alert, capsys, alice):
    code, out, _ = run(capsys, "alert", "list", "--target", "shop")
    assert code == 0 and "Disk on erp-host" in out and "firing" in out
    code, out, _ = run(capsys, "--as", "alice", "alert", "ack", str(firing_alert.pk))
    assert code == 0
    firing_alert.refresh_from_db()
    assert firing_alert.acknowledged_by == alice
    code, out, _ = run(
        capsys,
        "alert",
        "silence",
        "add",
        "--target",
        "shop",
        "--for",
        "2h",
        "--comment",
        "disk migration",
    )
    assert code == 0
    silence = Silence.objects.get()
    assert (silence.ends - silence.starts).total_seconds() == 7200
    code, out, _ = run(capsys, "--json", "alert", "silence", "list")
    assert [s["comment"] for s in json.loads(out)] == ["disk migration"]
    assert run(capsys, "alert", "silence", "expire", str(silence.pk))[0] == 0
    assert run(capsys, "alert", "ack", "999999")[0] == EXIT_NOT_FOUND
    assert run(capsys, "alert", "silence", "add", "--for", "2x", "--comment", "x")[0] == EXIT_USAGE


def test_the_cli_manages_rules_and_evaluates(capsys):
    host = make_host()
    code, out, err = run(
        capsys,
        "alert",
        "rule",
        "add",
        "Load",
        "--metric",
        "test.load",
        "--warning",
        "4",
        "--for",
        "5m",
        "--label",
        "core=all",
    )
    assert code == 0, err
    rule = AlertRule.objects.get(name="Load")
    assert (rule.for_seconds, rule.label_selector) == (300, {"core": "all"})
    code, _out, err = run(capsys, "alert", "rule", "update", "Load", "--critical", "3")
    assert code == EXIT_USAGE and "beyond the warning" in err
    assert run(capsys, "alert", "rule", "update", "Load", "--for", "0s")[0] == 0
    code, out, _ = run(capsys, "alert", "rules")
    assert "Load" in out and "warning > 4" in out

    feed(host, "test.load", 9, timezone.now(), core="all")
    code, out, _ = run(capsys, "alert", "evaluate")
    assert code == 0 and "firing    Load on erp-host" in out
    assert run(capsys, "alert", "rule", "disable", "Load")[0] == 0
    assert not AlertRule.objects.get(name="Load").enabled
    default = AlertRule.objects.get(default_key="cpu")
    code, _out, err = run(capsys, "alert", "rule", "delete", str(default.pk))
    assert code == EXIT_USAGE and "disable it instead" in err
    assert Alert.objects.filter(rule=rule).count() == 1
