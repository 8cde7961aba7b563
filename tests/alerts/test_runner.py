"""The evaluator thread: evaluates every interval, delivers from its own thread, stops."""

from __future__ import annotations

import threading
import time

import pytest
from django.utils import timezone

from erpkeeper.alerts import runner
from erpkeeper.alerts.models import Alert, AlertRule
from erpkeeper.monitoring.tsdb.ingest import forget_series_ids
from tests.fixtures.alerts import feed, make_host, make_rule, webhook
from tests.fixtures.receivers import HttpReceiver, Reply


@pytest.fixture
def disk_rule_host(settings):
    """A host and one rule (disk > 80) with the default rules off; fresh series ids."""
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    forget_series_ids()
    AlertRule.objects.filter(is_default=True).update(enabled=False)
    host = make_host()
    make_rule()
    yield host
    forget_series_ids()


@pytest.mark.django_db(transaction=True)
def test_the_thread_evaluates_every_interval_and_delivers(disk_rule_host):
    host = disk_rule_host
    stop = threading.Event()
    with HttpReceiver() as receiver:
        webhook("ops", receiver)
        thread = runner.start_alert_evaluator(stop, interval=0.2)
        assert runner.start_alert_evaluator(stop, interval=0.2) is thread  # one per process
        fed = time.monotonic()
        feed(host, "test.disk.percent", 90, timezone.now())
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
        latency = time.monotonic() - fed
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert receiver.received and latency < 3
    assert Alert.objects.filter(rule__is_default=False).count() == 1


@pytest.mark.parametrize(("raw", "expected"), [("", 10), ("2.5", 2.5), ("0", 0), ("x", 10)])
def test_alert_interval_setting(monkeypatch, settings, raw, expected):
    from erpkeeper.lib import env

    monkeypatch.setattr(env, "CONFIG_ERRORS", [])
    monkeypatch.setenv("ERPKEEPER_ALERT_INTERVAL", raw)
    settings.ALERT_INTERVAL = env.envfloat("ERPKEEPER_ALERT_INTERVAL", 10.0, minimum=0)
    assert runner.LOOP.interval() == expected


def test_interval_0_turns_the_evaluator_off(settings):
    settings.ALERT_INTERVAL = 0
    assert runner.start_alert_evaluator(threading.Event()) is None


@pytest.mark.django_db(transaction=True)
def test_a_slow_channel_does_not_hold_up_evaluation_when_the_sender_thread_runs(disk_rule_host):
    from erpkeeper.alerts.engine import evaluate
    from erpkeeper.notifications import loop

    host = disk_rule_host
    stop = threading.Event()
    with HttpReceiver(Reply(200, delay=3.0)) as receiver:
        webhook("ops", receiver)
        sender = loop.start_sender(stop, interval=60)  # only a nudge makes it send soon
        try:
            feed(host, "test.disk.percent", 90, timezone.now())
            started = time.monotonic()
            report = evaluate()
            evaluation = time.monotonic() - started
            deadline = time.monotonic() + 15
            while not receiver.received and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            stop.set()
            sender.join(timeout=15)
    assert report.messages == 1
    assert evaluation < 2.5  # the 3-second answer was waited for by the sender, not here
    assert len(receiver.received) == 1
    assert not sender.is_alive()
