"""The rule engine on real samples stored by ingest(): pending → firing after ``for``,
hysteresis, no data, severity changes, deduplication, the default rules and backups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.alerts import services
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import Alert, AlertRule, AlertState
from erpkeeper.backups.models import Backup, BackupStatus, Drill
from erpkeeper.core.runs import RunStatus
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
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


def test_fires_only_once_the_condition_held_for_seconds_then_resolves():
    host, start = make_host(), start_time()
    make_rule(for_seconds=30)
    reports = run_sequence(host, "test.disk.percent", [90, 91, 92], start, mount="/var")
    alert = only_alert()
    assert [r.changes[0][0] if r.changes else None for r in reports] == ["pending", None, None]
    assert alert.state == AlertState.PENDING and not alert_messages().exists()

    run_sequence(host, "test.disk.percent", [93], start + 3 * STEP, mount="/var")
    alert.refresh_from_db()
    assert alert.state == AlertState.FIRING
    assert alert.fired_at - alert.started == dt.timedelta(seconds=30)
    assert alert.summary == "Disk on erp-host /var"
    assert [m.subject for m in alert_messages()] == ["[FIRING] Disk on erp-host /var (Warning)"]

    run_sequence(host, "test.disk.percent", [40], start + 4 * STEP, mount="/var")
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED and alert.resolved_at == start + 4 * STEP


def test_a_value_flapping_at_the_threshold_raises_one_alert():
    host, start = make_host(), start_time()
    make_rule(recovery_threshold=70)
    values = [81, 79, 82, 78, 85, 76, 81, 79, 83, 71, 80.5, 75]
    reports = run_sequence(host, "test.disk.percent", values, start)
    assert Alert.objects.filter(rule__is_default=False).count() == 1
    assert only_alert().state == AlertState.FIRING
    assert sum(len(r.changes) for r in reports) == 1
    assert alert_messages().count() == 1

    run_sequence(host, "test.disk.percent", [69], start + len(values) * STEP)
    assert only_alert().state == AlertState.RESOLVED


def test_a_pending_alert_that_stops_holding_is_dropped_unannounced():
    host, start = make_host(), start_time()
    make_rule(for_seconds=60)
    reports = run_sequence(host, "test.disk.percent", [95, 95, 50], start)
    assert [r.changes[0][0] for r in reports if r.changes] == ["pending", "dropped"]
    assert not Alert.objects.filter(rule__is_default=False).exists()
    assert not alert_messages().exists()


def test_a_silent_series_raises_no_data_then_resolves_when_data_returns():
    host, start = make_host(), start_time()
    make_rule(no_data_intervals=3)
    feed(host, "test.disk.percent", 10, start)
    assert not evaluate(start + 2 * STEP).changes  # late, but not yet silent
    assert not evaluate(start + 3 * STEP).changes  # exactly three intervals: still tolerated
    report = evaluate(start + 4 * STEP)
    alert = only_alert()
    assert [c[0] for c in report.changes] == ["firing"]
    assert alert.no_data and alert.severity == "critical"
    assert alert.summary == "Disk: no data from erp-host"
    assert not evaluate(start + 5 * STEP).changes  # still silent: the same alert

    run_sequence(host, "test.disk.percent", [10], start + 6 * STEP)
    alert.refresh_from_db()
    assert alert.state == AlertState.RESOLVED


def test_warning_to_critical_is_announced_and_back_down_is_not_again():
    host, start = make_host(), start_time()
    make_rule(critical_threshold=95)
    run_sequence(host, "test.disk.percent", [85, 96, 90, 97, 91], start)
    alert = only_alert()
    assert alert.severity == "warning" and alert.notified_severity == "critical"
    subjects = [m.subject for m in alert_messages()]
    assert subjects == [
        "[FIRING] Disk on erp-host (Warning)",
        "[FIRING] Disk on erp-host (Critical)",
    ]


def test_one_open_alert_per_fingerprint_even_when_evaluated_twice():
    host, start = make_host(), start_time()
    make_rule()
    feed(host, "test.disk.percent", 90, start)
    evaluate(start)
    evaluate(start)
    evaluate(start + STEP)
    assert Alert.objects.filter(rule__is_default=False).count() == 1


def test_selectors_limit_a_rule_to_its_targets_and_labels():
    shop, other = make_target("shop"), make_target("other")
    host, start = make_host(targets=[shop]), start_time()
    rule = make_rule(label_selector={"mount": "/"})
    rule.targets.set([other])
    feed(host, "test.disk.percent", 99, start, mount="/")
    evaluate(start)
    assert not Alert.objects.filter(rule=rule).exists()  # the host runs shop, not other

    services.update_rule(rule, targets=[shop])
    feed(host, "test.disk.percent", 99, start + STEP, mount="/boot")
    evaluate(start + STEP)
    alert = only_alert()
    assert alert.target == shop and alert.series.labels == {"mount": "/"}


def test_rule_validation():
    with pytest.raises(ValidationError, match="warning threshold, a critical"):
        services.create_rule(name="No threshold", metric="test.x")
    with pytest.raises(ValidationError, match="at or below 80"):
        make_rule(recovery_threshold=85)
    with pytest.raises(ValidationError, match="at or above 10"):
        make_rule(operator="<", warning_threshold=10, critical_threshold=5, recovery_threshold=8)
    with pytest.raises(ValidationError, match="beyond the warning"):
        make_rule(critical_threshold=70)


def test_default_rules_exist_once_and_can_be_disabled_not_deleted():
    from erpkeeper.alerts.defaults import DEFAULT_RULES
    from erpkeeper.alerts.services import ensure_default_rules

    assert ensure_default_rules() == 0  # created by migrate already
    defaults = AlertRule.objects.filter(is_default=True)
    assert sorted(defaults.values_list("default_key", flat=True)) == sorted(DEFAULT_RULES)
    disk = defaults.get(default_key="disk")
    assert (disk.metric, disk.warning_threshold, disk.critical_threshold) == (
        "host.disk.percent",
        85,
        95,
    )
    with pytest.raises(ValidationError, match="disable it instead"):
        services.delete_rule(disk)
    services.update_rule(disk, enabled=False)


def test_default_disk_rule_fires_on_a_full_disk():
    AlertRule.objects.filter(default_key="disk").update(enabled=True)
    host, start = make_host(), start_time()
    run_sequence(host, "host.disk.percent", [96] * 7, start, mount="/")
    alert = Alert.objects.get(rule__default_key="disk")
    assert alert.state == AlertState.FIRING and alert.severity == "critical"
    assert alert.summary == "Disk almost full on erp-host /"


def test_a_backup_older_than_the_rpo_alerts_through_the_same_path():
    AlertRule.objects.filter(default_key__in=["backup_rpo", "drill_failed"]).update(enabled=True)
    shop, start = make_target("shop", rpo_minutes=60), start_time()
    backup = Backup.objects.create(
        target=shop,
        target_name="shop",
        trigger="manual",
        status=BackupStatus.SUCCEEDED,
        location="/tmp/b",
        started=start - dt.timedelta(minutes=50),
    )
    evaluate(start)
    assert not Alert.objects.exists()  # 50 minutes old: inside the RPO

    evaluate(start + dt.timedelta(minutes=11))
    alert = Alert.objects.get(rule__default_key="backup_rpo")
    assert alert.target == shop and alert.state == AlertState.FIRING
    assert alert.summary == "Newest backup older than the RPO on shop"
    message = alert_messages().get()
    assert message.target == shop and message.severity == "critical"

    Drill.objects.create(
        target=shop,
        target_name="shop",
        backup=backup,
        status=RunStatus.FAILED,
        started=start,
        rto_target_seconds=3600,
        rpo_target_seconds=3600,
    )
    Backup.objects.create(
        target=shop,
        target_name="shop",
        trigger="manual",
        status=BackupStatus.SUCCEEDED,
        location="/tmp/c",
        started=start + dt.timedelta(minutes=11),
    )
    report = evaluate(start + dt.timedelta(minutes=12))
    changes = sorted((kind, summary) for kind, summary, _alert in report.changes)
    assert changes == [
        ("firing", "Recovery drill failed on shop"),
        ("resolved", "Newest backup older than the RPO on shop"),
    ]
