"""Alert values and thresholds in their metric's unit ("6.8 MB", not "6.81574e+06") in the
notification, the CLI, the rule list and the alert's page."""

from __future__ import annotations

import json

import pytest

from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.notify import detail
from erpkeeper.alerts.values import metric_unit, value_text
from erpkeeper.cli import main
from erpkeeper.monitoring.tsdb.ingest import MetricSample, ingest
from tests.fixtures.alerts import alert_messages, make_host, make_rule, only_alert, start_time
from tests.fixtures.two_factor import force_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]

DB_SIZE = 6_815_740


@pytest.fixture
def size_alert():
    """A firing alert on a database size in bytes (the series says so: unit "B")."""
    host, start = make_host(), start_time()
    make_rule(name="DB size", metric="test.db.size", warning_threshold=1_000_000)
    ingest(host, [MetricSample("test.db.size", DB_SIZE, start, unit="B")])
    evaluate(start)
    return only_alert()


def test_units_come_from_the_series_else_from_the_metric_name():
    assert metric_unit("db.size_bytes") == "B"
    assert metric_unit("erp.rpc.latency_seconds") == "s"
    assert metric_unit("host.disk.percent") == "%"
    assert metric_unit("erp.cron.failed") == ""
    assert value_text(6815740.0, "B") == "6.8 MB"
    assert value_text(21.5, "°C") == "21.5 °C"
    assert value_text(6815740.0, "") == "6,815,740"


def test_the_notification_prints_value_and_thresholds_in_the_unit(size_alert):
    body = detail(size_alert)
    assert "test.db.size = 6.8 MB" in body and "> 1.0 MB" in body, body
    assert "e+06" not in body
    assert "6.8 MB" in alert_messages().get().body


def test_the_cli_prints_the_value_in_its_unit_and_keeps_the_number_in_json(size_alert, capsys):
    assert main(["alert", "list"]) == 0
    assert "6.8 MB" in capsys.readouterr().out
    assert main(["alert", "show", str(size_alert.pk)]) == 0
    assert "value: 6.8 MB" in capsys.readouterr().out
    assert main(["--json", "alert", "show", str(size_alert.pk)]) == 0
    assert json.loads(capsys.readouterr().out)["value"] == DB_SIZE


def test_rule_conditions_print_thresholds_in_the_metric_unit(capsys, alice, client):
    make_rule(name="Big database", metric="db.size_bytes", warning_threshold=5_000_000_000)
    assert main(["alert", "rules"]) == 0
    assert "warning > 5.0 GB" in capsys.readouterr().out
    force_login(client, alice)
    html = client.get("/alerts/alertrule/").content.decode()
    assert "&gt; 5.0 GB" in html and "5e+09" not in html


def test_the_alert_page_shows_the_value_in_its_unit(size_alert, alice, client):
    force_login(client, alice)
    html = client.get(f"/alerts/alert/{size_alert.pk}/change/").content.decode()
    assert "6.8 MB" in html and "6815740" not in html
