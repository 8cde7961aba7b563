"""What alerts leave behind: the audit trail records an alert once, when it fires (not the
evaluator's pending notes), and deleting a rule resolves its open notifications, whether it is
deleted from the console, the API or the CLI."""

from __future__ import annotations

import pytest

from erpkeeper.alerts import services
from erpkeeper.alerts.models import AlertRule, AlertState
from erpkeeper.cli import main
from erpkeeper.core import outbox
from erpkeeper.core.models import AuditEntry, OutboxMessage
from tests.fixtures.alerts import (
    STEP,
    alert_messages,
    make_host,
    make_rule,
    only_alert,
    run_sequence,
    start_time,
)
from tests.fixtures.two_factor import force_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


def alert_entries():
    return AuditEntry.objects.filter(object_type="alerts.alert").order_by("sequence")


def test_pending_alerts_that_never_fire_leave_no_audit_entries():
    host, start = make_host(), start_time()
    make_rule(for_seconds=60)
    # Thirty minutes of a value that crosses the threshold and falls back: pending, dropped ...
    run_sequence(host, "test.disk.percent", [95, 50] * 10, start)
    assert not alert_entries().exists()


def test_an_alert_enters_the_audit_trail_once_when_it_fires():
    host, start = make_host(), start_time()
    make_rule(for_seconds=30)
    run_sequence(host, "test.disk.percent", [90, 91, 92, 93], start)
    alert = only_alert()
    assert alert.state == AlertState.FIRING
    entries = list(alert_entries())
    assert [(e.action, e.object_id) for e in entries] == [("create", str(alert.pk))]
    assert entries[0].after["state"] == "firing" and entries[0].actor_name == "system:alerts"

    run_sequence(host, "test.disk.percent", [40], start + 4 * STEP)
    assert [e.action for e in alert_entries()] == ["create", "update"]


@pytest.fixture
def announced_rule():
    """A custom rule whose alert fired and was announced: its notification is open."""
    host, start = make_host(), start_time()
    rule = make_rule(name="Disk", critical_threshold=95)
    run_sequence(host, "test.disk.percent", [97], start)
    assert alert_messages().get().state in outbox.OPEN_STATES
    return rule


def test_deleting_a_rule_resolves_its_open_notifications(announced_rule):
    services.delete_rule(announced_rule)
    assert alert_messages().get().state == OutboxMessage.State.RESOLVED


def test_a_notification_shared_with_another_rules_firing_alert_stays_open(announced_rule):
    host = announced_rule.alerts.get().host
    other = make_rule(name="Other disk", metric="test.disk2.percent", critical_threshold=95)
    run_sequence(host, "test.disk2.percent", [97], start_time() + STEP)
    message = alert_messages().last()
    other.alerts.update(last_message=message)
    announced_rule.alerts.update(last_message=message)
    services.delete_rule(announced_rule)
    message.refresh_from_db()
    assert message.state in outbox.OPEN_STATES


def test_deleting_a_rule_through_the_api_resolves_its_notifications(
    announced_rule, alice, api_client_for
):
    answer = api_client_for(alice).delete(f"/api/v1/alert-rules/{announced_rule.pk}/")
    assert answer.status_code == 204
    assert not alert_messages().filter(state__in=outbox.OPEN_STATES).exists()


def test_deleting_a_rule_from_the_cli_resolves_its_notifications(announced_rule):
    assert main(["alert", "rule", "delete", "Disk"]) == 0
    assert not alert_messages().filter(state__in=outbox.OPEN_STATES).exists()


def test_deleting_a_rule_from_the_console_resolves_its_notifications(announced_rule, alice, client):
    force_login(client, alice)
    answer = client.post(f"/alerts/alertrule/{announced_rule.pk}/delete/", {"post": "yes"})
    assert answer.status_code == 302
    assert not AlertRule.objects.filter(pk=announced_rule.pk).exists()
    assert not alert_messages().filter(state__in=outbox.OPEN_STATES).exists()
