"""What the alert tests share: targets, hosts, samples through the real ingest(), rules."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from erpkeeper.alerts import services
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import Alert, AlertRule
from erpkeeper.core.models import OutboxMessage
from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.monitoring.storage.ingest import MetricSample, ingest
from erpkeeper.notifications import services as channel_services
from erpkeeper.targets.models import Target

STEP = dt.timedelta(seconds=10)


def start_time() -> dt.datetime:
    """An hour ago, whole second: the tests walk forward from it in 10-second steps (samples
    up to 25 hours old are accepted, and every evaluation is given its moment)."""
    return (timezone.now() - dt.timedelta(hours=1)).replace(microsecond=0)


def make_target(name: str, **fields) -> Target:
    target = Target(name=name, **fields)
    target.set_database_url(f"sqlite:////tmp/{name}.sqlite")
    target.save()
    return target


def make_host(name: str = "erp-host", targets=()) -> Host:
    host = Host.objects.create(name=name, kind=HostKind.AGENT, interval_seconds=10)
    host.targets.set(targets)
    return host


def feed(host, metric, value, at, target=None, **labels):
    return ingest(host, [MetricSample(metric, value, at, labels=labels, target=target)])


def make_rule(name="Disk", metric="test.disk.percent", **fields) -> AlertRule:
    fields.setdefault("warning_threshold", 80)
    return services.create_rule(name=name, metric=metric, **fields)


def run_sequence(host, metric, values, start, **labels) -> list:
    """Feed one value per step and evaluate after each; returns the reports."""
    reports = []
    for index, value in enumerate(values):
        moment = start + index * STEP
        feed(host, metric, value, moment, **labels)
        reports.append(evaluate(moment))
    return reports


def alert_messages():
    return OutboxMessage.objects.filter(source="alerts").order_by("pk")


def only_alert() -> Alert:
    alerts = list(Alert.objects.filter(rule__is_default=False))
    assert len(alerts) == 1, [a.summary for a in alerts]
    return alerts[0]


def webhook(name, receiver, **fields):
    return channel_services.create_channel(
        name=name, kind="webhook", secrets={"url": receiver.url(f"/{name}")}, **fields
    )
