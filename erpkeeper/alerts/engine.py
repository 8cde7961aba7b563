"""Evaluating the alert rules: latest values → conditions → alert states → notifications.

``evaluate()`` runs every ``ERPKEEPER_ALERT_INTERVAL`` seconds (runner.py). Per enabled rule it
reads the matching series with their newest sample in one query, and the rule's open alerts in
another, then moves each series' alert through its states:

    (none) → PENDING    the condition became true (``started``)
    PENDING → FIRING    it held ``for_seconds`` (``fired_at``); notified
    PENDING → (deleted) it stopped holding before that: never notified
    FIRING → RESOLVED   the value went back past the recovery threshold (hysteresis)

A value is current when its sample is at most two of its host's intervals old; between that
and the no-data limit nothing changes (a late batch is no reason to resolve or to fire). A
series silent for ``no_data_intervals`` intervals raises a "no data" alert, fired at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import operator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.alerts import incidents, notify, sources
from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Operator, Severity
from erpkeeper.core.audit import audit_context, options_for, record_change
from erpkeeper.monitoring.tsdb import query

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:alerts"
FRESH_INTERVALS = 2
# A series silent for longer is gone (an unmounted disk, a process that ended), not failing.
NO_DATA_HORIZON = dt.timedelta(days=1)
OPEN_STATES = (AlertState.PENDING, AlertState.FIRING)
COMPARE = {
    Operator.ABOVE: operator.gt,
    Operator.AT_OR_ABOVE: operator.ge,
    Operator.BELOW: operator.lt,
    Operator.AT_OR_BELOW: operator.le,
}
SEVERITY_RANK = {"": 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


@dataclass
class EvaluationReport:
    """What one evaluation changed: ``changes`` holds (what happened, alert summary, alert)."""

    evaluated_at: dt.datetime
    rules: int = 0
    series: int = 0
    changes: list[tuple[str, str, Alert]] = field(default_factory=list)
    messages: int = 0
    suppressed: int = 0
    escalated: int = 0
    failed_rules: list[str] = field(default_factory=list)

    def record(self, change: str, alert: Alert) -> None:
        self.changes.append((change, alert.summary, alert))

    def alerts(self, change: str) -> list[Alert]:
        return [alert for kind, _summary, alert in self.changes if kind == change]

    def as_dict(self) -> dict:
        return {
            "evaluated_at": self.evaluated_at.isoformat(),
            "rules": self.rules,
            "series": self.series,
            "messages": self.messages,
            "suppressed": self.suppressed,
            "escalated": self.escalated,
            "failed_rules": self.failed_rules,
            "changes": [
                {"change": kind, "alert": alert.pk, "summary": summary, "severity": alert.severity}
                for kind, summary, alert in self.changes
            ],
        }


@dataclass(frozen=True)
class Reading:
    value: float | None  # None: no current sample
    silent: bool  # silent long enough for the rule's no-data alert


def evaluate(now: dt.datetime | None = None) -> EvaluationReport:
    """Evaluate every enabled rule at ``now`` (default: now), notify, and report the changes."""
    now = now or timezone.now()
    report = EvaluationReport(now)
    with audit_context(actor_name=SYSTEM_ACTOR, source="system"):
        sources.emit_backup_metrics(now)
        sources.emit_capacity_metrics(now)
        rules = AlertRule.objects.filter(enabled=True).prefetch_related("targets", "hosts")
        for rule in rules:
            report.rules += 1
            try:
                evaluate_rule(rule, now, report)
            except Exception:  # one broken rule must not stop the others
                logger.exception("alert rule %s could not be evaluated", rule.name)
                report.failed_rules.append(rule.name)
        notify.send_notifications(report, now)
        incidents.link_incidents(report)
    return report


def evaluate_rule(rule: AlertRule, now: dt.datetime, report: EvaluationReport) -> None:
    series_list = list(matching_series(rule))
    report.series += len(series_list)
    open_alerts = {
        alert.fingerprint: alert for alert in Alert.objects.filter(rule=rule, state__in=OPEN_STATES)
    }
    with translation.override(settings.LANGUAGE_CODE):  # summaries are stored, shared text
        for series in series_list:
            key = fingerprint(rule, series)
            step(rule, series, key, open_alerts.get(key), reading(rule, series, now), now, report)


def matching_series(rule: AlertRule):
    """The rule's series annotated with ``last_time`` / ``last_value`` (one query)."""
    series = query.find_series(metric=rule.metric, labels=rule.label_selector)
    targets = list(rule.targets.all())
    if targets:
        # A host-level series (no target) counts for the targets that run on its host.
        series = series.filter(
            Q(target__in=targets) | Q(target__isnull=True, host__targets__in=targets)
        ).distinct()
    hosts = list(rule.hosts.all())
    if hosts:
        series = series.filter(host__in=hosts)
    return query.with_latest(series.prefetch_related("host__targets"))


def fingerprint(rule: AlertRule, series) -> str:
    if series.metric in sources.TARGET_LEVEL_METRICS and series.target_id:
        subject = f"target:{series.target_id}"
    else:
        subject = f"series:{series.pk}"
    return hashlib.sha256(f"{rule.pk}:{subject}".encode()).hexdigest()


def reading(rule: AlertRule, series, now: dt.datetime) -> Reading:
    interval = dt.timedelta(seconds=series.host.interval_seconds or 10)
    last = series.last_time
    if last is not None and now - last <= FRESH_INTERVALS * interval:
        return Reading(series.last_value, silent=False)
    limit = rule.no_data_intervals
    silent = bool(limit) and last is not None and now - last > limit * interval
    return Reading(None, silent=silent and now - last <= NO_DATA_HORIZON)


def severity_for(rule: AlertRule, value: float) -> str | None:
    compare = COMPARE[rule.operator]
    if rule.critical_threshold is not None and compare(value, rule.critical_threshold):
        return Severity.CRITICAL
    if rule.warning_threshold is not None and compare(value, rule.warning_threshold):
        return Severity.WARNING
    return None


def recovery_threshold(rule: AlertRule) -> float:
    for threshold in (rule.recovery_threshold, rule.warning_threshold, rule.critical_threshold):
        if threshold is not None:
            return threshold
    raise ValueError(f"rule {rule.name!r} has no threshold")


def recovered(rule: AlertRule, value: float) -> bool:
    threshold = recovery_threshold(rule)
    if rule.operator in (Operator.ABOVE, Operator.AT_OR_ABOVE):
        return value < threshold
    return value > threshold


# -- the state machine ----------------------------------------------------------------------------


def step(rule, series, key, alert, current: Reading, now, report) -> None:
    if current.silent:
        if alert is None:
            _open(rule, series, key, None, now, report)
        return  # an open alert (no data, or a threshold one from before) stays as it is
    if current.value is None:
        return
    if alert is not None and alert.no_data:
        _resolve(alert, current.value, now, report)  # the data is back
        alert = None
    severity = severity_for(rule, current.value)
    if alert is None:
        if severity is not None:
            _open(rule, series, key, current.value, now, report, severity)
    elif alert.state == AlertState.PENDING:
        _advance_pending(rule, alert, severity, current.value, now, report)
    elif recovered(rule, current.value):
        _resolve(alert, current.value, now, report)
    else:
        _update_firing(alert, severity, current.value, now, report)


def _open(rule, series, key, value, now, report, severity=Severity.CRITICAL) -> None:
    no_data = value is None
    alert = Alert(
        rule=rule,
        series=series,
        target=target_of(series),
        host=series.host,
        fingerprint=key,
        severity=severity,
        value=value,
        no_data=no_data,
        summary=summary(rule, series, no_data),
        started=now,
        last_evaluated=now,
    )
    # No data has already lasted its intervals: nothing more to wait for.
    if no_data or rule.for_seconds == 0:
        alert.state, alert.fired_at = AlertState.FIRING, now
    try:
        with transaction.atomic():
            if alert.state == AlertState.FIRING:
                alert.save()
            else:
                Alert.objects.bulk_create([alert])  # pending: no audit entry (see below)
    except IntegrityError:
        return  # another evaluation (a manual run) opened it at the same moment
    report.record("firing" if alert.state == AlertState.FIRING else "pending", alert)


# A pending alert is the evaluator's note that a condition started, not yet anything people
# hear of: most are dropped again within minutes, and auditing each one wrote a create/delete
# pair into the audit trail every minute. So pending alerts are written past the model signals,
# and an alert enters the audit trail once, when it fires.


def _advance_pending(rule, alert, severity, value, now, report) -> None:
    if severity is None:
        report.record("dropped", alert)
        # A plain DELETE without signals (nothing refers to an alert); the row never was audited.
        Alert.objects.filter(pk=alert.pk)._raw_delete(Alert.objects.db)
        return
    alert.severity, alert.value, alert.last_evaluated = severity, value, now
    if now - alert.started < dt.timedelta(seconds=rule.for_seconds):
        Alert.objects.filter(pk=alert.pk).update(severity=severity, value=value, last_evaluated=now)
        return
    alert.state, alert.fired_at = AlertState.FIRING, now
    report.record("firing", alert)
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(
            severity=severity, value=value, last_evaluated=now, state=alert.state, fired_at=now
        )
        record_change(alert, None, audited_fields(alert))


def audited_fields(alert: Alert) -> dict:
    """The alert's fields as the audit trail records a creation (bookkeeping left out)."""
    ignored = options_for(Alert).ignore
    return {
        f.name: f.value_from_object(alert)
        for f in Alert._meta.concrete_fields
        if f.name not in ignored
    }


def _update_firing(alert, severity, value, now, report) -> None:
    alert.value, alert.last_evaluated = value, now
    # In the hysteresis band (no longer past a threshold, not yet recovered) nothing changes.
    if severity is not None and severity != alert.severity:
        alert.severity = severity
        report.record("severity", alert)
        alert.save()
    else:
        alert.save(update_fields=["value", "last_evaluated"])


def _resolve(alert, value, now, report) -> None:
    alert.state, alert.resolved_at = AlertState.RESOLVED, now
    alert.value, alert.last_evaluated = value, now
    alert.save()
    report.record("resolved", alert)


# -- wording --------------------------------------------------------------------------------------


def target_of(series):
    """The series' target, or for a host metric the host's target when it runs only one."""
    if series.target_id:
        return series.target
    targets = list(series.host.targets.all())
    return targets[0] if len(targets) == 1 else None


def place(series, known_labels=()) -> str:
    """Where, in a few words: "erp-host /var", "shop", "erp-host shop". Labels the rule
    already selects on (``known_labels``) say nothing new."""
    parts = [series.host.name]
    if series.target_id:
        if series.metric in sources.TARGET_LEVEL_METRICS:
            return series.target.name
        parts.append(series.target.name)
    parts.extend(
        str(value)
        for name, value in sorted(series.labels.items())
        if name != "target" and name not in known_labels
    )
    return " ".join(parts)


def summary(rule, series, no_data: bool) -> str:
    values = {"rule": rule.display_name, "place": place(series, rule.label_selector)}
    if no_data:
        return (_("%(rule)s: no data from %(place)s") % values)[:255]
    return (_("%(rule)s on %(place)s") % values)[:255]
