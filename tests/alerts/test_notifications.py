"""From a firing alert to a message: real webhook receivers, silences and maintenance windows,
inhibition by a down host, grouping per target, reminders, acknowledgement and escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from erpkeeper.alerts import services
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import Alert, AlertRule, AlertState
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications.models import Delivery
from erpkeeper.targets.models import MaintenanceWindow
from tests.fixtures.alerts import (
    STEP,
    alert_messages,
    feed,
    make_host,
    make_rule,
    make_target,
    only_alert,
    run_sequence,
    start_time,
    webhook,
)
from tests.fixtures.receivers import HttpReceiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


@pytest.fixture(autouse=True)
def _local_webhooks(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True  # the receivers listen on localhost


@pytest.fixture
def receiver():
    with HttpReceiver() as running:
        yield running


def test_a_crossing_reaches_a_real_webhook_within_the_evaluation(receiver):
    webhook("ops", receiver)
    host, start = make_host(), start_time()
    make_rule(critical_threshold=95)
    run_sequence(host, "test.disk.percent", [50, 97], start, mount="/var")
    assert len(receiver.received) == 1
    payload = receiver.received[0].json()
    alert = only_alert()
    assert payload["subject"] == "[FIRING] Disk on erp-host /var (Critical)"
    assert payload["severity"] == "critical" and payload["source"] == "alerts"
    assert payload["link"].endswith(f"/alerts/alert/{alert.pk}/change/")
    assert "test.disk.percent = 97" in payload["body"]

    run_sequence(host, "test.disk.percent", [20], start + 2 * STEP, mount="/var")
    assert receiver.received[-1].json()["subject"].startswith("[RESOLVED] Disk on erp-host")
    # Once resolved, neither the firing message nor the resolved notice stays open.
    assert not alert_messages().exclude(state=OutboxMessage.State.RESOLVED).exists()


def test_a_silence_records_the_alert_but_sends_nothing_until_it_ends(receiver):
    webhook("ops", receiver)
    host, start = make_host(), start_time()
    rule = make_rule()
    silence = services.create_silence(
        comment="disk migration", rule=rule, starts=start, duration=dt.timedelta(hours=2)
    )
    report = run_sequence(host, "test.disk.percent", [90], start)[0]
    alert = only_alert()
    assert alert.state == AlertState.FIRING
    assert alert.suppressed_reason == "silenced: disk migration"
    assert report.suppressed == 1 and not alert_messages().exists() and not receiver.received

    silence.ends = start + STEP  # as expire_silence does, at the evaluation's own moment
    silence.save()
    run_sequence(host, "test.disk.percent", [91], start + STEP)
    alert.refresh_from_db()
    assert alert.suppressed_reason == "" and alert.notifications_sent == 1
    assert len(receiver.received) == 1


def test_a_silence_must_match_something_and_end_after_it_starts():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Choose what to silence"):
        services.create_silence(comment="all", duration=dt.timedelta(hours=1))
    with pytest.raises(ValidationError, match="end after"):
        services.create_silence(comment="x", metric="a.b", duration=dt.timedelta(hours=-1))


def test_inside_a_maintenance_window_alerts_are_recorded_not_sent(receiver):
    webhook("ops", receiver)
    shop, start = make_target("shop"), start_time()
    opened = start - dt.timedelta(minutes=5)
    MaintenanceWindow.objects.create(
        target=shop, weekday=opened.weekday(), start_time=opened.time(), duration_minutes=60
    )
    host = make_host(targets=[shop])
    make_rule()
    run_sequence(host, "test.disk.percent", [90], start)
    assert only_alert().suppressed_reason.startswith("in the maintenance window ")
    assert not receiver.received and not alert_messages().exists()


def test_a_down_host_inhibits_the_alerts_of_the_databases_on_it(receiver):
    webhook("ops", receiver)
    AlertRule.objects.filter(default_key="host_down").update(enabled=True)
    shop, start = make_target("shop"), start_time()
    host = make_host(targets=[shop])
    make_rule(name="Connections", metric="test.db.connections.percent")
    feed(host, "collector.up", 0, start, collector="host")
    feed(host, "test.db.connections.percent", 99, start, target="shop")
    evaluate(start)
    down = Alert.objects.get(rule__default_key="host_down")
    database = Alert.objects.get(rule__name="Connections")
    assert down.suppressed_reason == "" and down.summary == "Host down on erp-host"
    assert database.state == AlertState.FIRING
    assert database.suppressed_reason == "host erp-host is down"
    assert [r.json()["subject"] for r in receiver.received] == [
        "[FIRING] Host down on erp-host (Critical)"
    ]


def test_a_host_gone_silent_is_down_through_the_no_data_alert(receiver):
    webhook("ops", receiver)
    AlertRule.objects.filter(default_key="host_down").update(enabled=True)
    shop, start = make_target("shop"), start_time()
    host = make_host(targets=[shop])
    make_rule(name="Connections", metric="test.db.connections.percent")
    feed(host, "collector.up", 1, start, collector="host")
    feed(host, "test.db.connections.percent", 99, start + 3 * STEP, target="shop")
    evaluate(start + 4 * STEP)
    down = Alert.objects.get(rule__default_key="host_down")
    assert down.no_data and down.summary == "Host down: no data from erp-host"
    assert Alert.objects.get(rule__name="Connections").suppressed_reason.startswith("host ")


def test_alerts_of_one_target_in_one_evaluation_go_out_as_one_message(receiver):
    webhook("ops", receiver)
    shop, start = make_target("shop"), start_time()
    host = make_host(targets=[shop])
    make_rule(name="Disk")
    make_rule(name="Memory", metric="test.memory.percent")
    feed(host, "test.disk.percent", 90, start)
    feed(host, "test.memory.percent", 95, start)
    evaluate(start)
    assert len(receiver.received) == 1
    payload = receiver.received[0].json()
    assert payload["subject"] == "[FIRING] 2 alerts on shop" and payload["target"] == "shop"
    assert payload["body"].splitlines() == [
        "[FIRING] Disk on erp-host (Warning)",
        "[FIRING] Memory on erp-host (Warning)",
    ] or payload["body"].splitlines() == [
        "[FIRING] Memory on erp-host (Warning)",
        "[FIRING] Disk on erp-host (Warning)",
    ]


def test_reminders_repeat_until_acknowledged(receiver, olga):
    webhook("ops", receiver)
    host, start = make_host(), start_time()
    make_rule(repeat_minutes=1)
    for seconds in (0, 30, 60, 90, 120):
        feed(host, "test.disk.percent", 90, start + dt.timedelta(seconds=seconds))
        evaluate(start + dt.timedelta(seconds=seconds))
    subjects = [r.json()["subject"] for r in receiver.received]
    assert subjects == [
        "[FIRING] Disk on erp-host (Warning)",
        "[STILL FIRING] Disk on erp-host (Warning)",
        "[STILL FIRING] Disk on erp-host (Warning)",
    ]
    services.acknowledge(only_alert(), olga)
    for seconds in (150, 180, 240):
        feed(host, "test.disk.percent", 90, start + dt.timedelta(seconds=seconds))
        evaluate(start + dt.timedelta(seconds=seconds))
    assert len(receiver.received) == 3
    alert = only_alert()
    assert alert.acknowledged_by == olga and alert.notifications_sent == 3


def test_unacknowledged_alerts_escalate_to_the_escalation_channel_only():
    with HttpReceiver() as team, HttpReceiver() as manager:
        webhook("team", team)
        escalation = webhook("manager", manager, min_severity="critical")
        host, start = make_host(), start_time()
        make_rule(escalate_after_minutes=5, escalation_channel=escalation, repeat_minutes=0)
        for minutes in (0, 4, 5, 6):
            moment = start + dt.timedelta(minutes=minutes)
            feed(host, "test.disk.percent", 90, moment)
            evaluate(moment)
    assert [r.json()["subject"] for r in team.received] == ["[FIRING] Disk on erp-host (Warning)"]
    assert [r.json()["subject"] for r in manager.received] == [
        "[ESCALATED] Disk on erp-host"
    ]  # sent although the manager's channel takes critical only: escalation is explicit
    assert only_alert().escalated_at == start + dt.timedelta(minutes=5)


def test_an_acknowledged_alert_does_not_escalate():
    with HttpReceiver() as manager:
        escalation = webhook("manager", manager)
        escalation.targets.set([make_target("elsewhere")])  # keeps the first message from it
        host, start = make_host(), start_time()
        make_rule(escalate_after_minutes=1, escalation_channel=escalation)
        run_sequence(host, "test.disk.percent", [90], start)
        alert = only_alert()
        services.acknowledge(alert, None)
        run_sequence(host, "test.disk.percent", [90], start + dt.timedelta(minutes=2))
    alert.refresh_from_db()
    assert alert.escalated_at is None


def test_a_rule_with_channels_sends_to_those_only():
    with HttpReceiver() as team, HttpReceiver() as dba:
        webhook("team", team)
        dba_channel = webhook("dba", dba)
        host, start = make_host(), start_time()
        make_rule(channels=[dba_channel])
        run_sequence(host, "test.disk.percent", [90], start)
    assert len(dba.received) == 1 and not team.received
    assert Delivery.objects.filter(channel=dba_channel, ok=True).count() == 1


def test_a_manual_resolve_is_announced_and_a_new_alert_opens_if_still_true(receiver, olga):
    webhook("ops", receiver)
    host, start = make_host(), start_time()
    make_rule()
    run_sequence(host, "test.disk.percent", [90], start)
    first = only_alert()
    services.resolve(first, olga)
    assert first.resolved_by == olga
    assert alert_messages().last().subject.startswith("[RESOLVED] ")
    run_sequence(host, "test.disk.percent", [90], start + STEP)
    assert Alert.objects.filter(rule__is_default=False, state=AlertState.FIRING).count() == 1
