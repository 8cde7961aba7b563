"""Alert rules, alerts and silences: one function per operation, for the console, API and CLI.

Changes are saved through the models, so the audit trail records them with whoever the
calling interface put in the audit context (the signed-in user, the token's owner, the CLI).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.alerts import incidents, notify
from erpkeeper.alerts.defaults import DEFAULT_RULES
from erpkeeper.alerts.models import Alert, AlertRule, AlertState, Operator, Silence
from erpkeeper.alerts.values import rule_unit, value_text
from erpkeeper.core.audit import audit_context
from erpkeeper.monitoring.models import Series
from erpkeeper.monitoring.placement import hosts_running
from erpkeeper.monitoring.tsdb.ingest import METRIC_NAME

OPEN_STATES = (AlertState.PENDING, AlertState.FIRING)
RULE_FIELDS = (
    "name",
    "description",
    "enabled",
    "metric",
    "label_selector",
    "operator",
    "warning_threshold",
    "critical_threshold",
    "recovery_threshold",
    "for_seconds",
    "no_data_intervals",
    "repeat_minutes",
    "escalate_after_minutes",
    "escalation_channel",
    "escalation_team",
)
RULE_RELATIONS = ("targets", "hosts", "channels")  # many-to-many, set as a whole
# What people edit on a rule, in the order the console and the API show it.
RULE_FORM_FIELDS = (
    *RULE_FIELDS[:4],
    "targets",
    "hosts",
    *RULE_FIELDS[4:-3],
    "channels",
    *RULE_FIELDS[-3:],
)
ABOVE = (Operator.ABOVE, Operator.AT_OR_ABOVE)


# -- alerts ---------------------------------------------------------------------------------------


def open_alerts() -> QuerySet:
    """Pending and firing alerts, most severe and newest first."""
    return (
        Alert.objects.filter(state__in=OPEN_STATES)
        .select_related("rule", "target", "host", "acknowledged_by")
        .order_by("state", "severity", "-started")  # "critical" < "warning", "firing" < "pending"
    )


def alerts_for_target(target) -> QuerySet:
    """The target's alerts and those of the hosts it runs on, newest first."""
    return (
        Alert.objects.filter(
            Q(target=target) | Q(target__isnull=True, host_id__in=hosts_running(target.pk))
        )
        .distinct()
        .select_related("rule", "target", "host", "acknowledged_by")
        .order_by("-started")
    )


def acknowledge(alert: Alert, user) -> Alert:
    """Someone is on it: no more reminders, no escalation. Acknowledging twice keeps the first."""
    if alert.state not in OPEN_STATES:
        raise ValidationError(_("Only a pending or firing alert can be acknowledged."))
    if alert.acknowledged_at is None:
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = user
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return alert


def resolve(alert: Alert, user) -> Alert:
    """Close an alert by hand (the cause was dealt with). If its condition still holds, the
    next evaluation raises a new alert."""
    if alert.state not in OPEN_STATES:
        raise ValidationError(_("This alert is already resolved."))
    now = timezone.now()
    alert.state, alert.resolved_at, alert.resolved_by = AlertState.RESOLVED, now, user
    alert.save(update_fields=["state", "resolved_at", "resolved_by"])
    notify.close_escalation(alert)
    notify.announce_manual_resolve(alert, now)
    incidents.alert_resolved(alert)
    return alert


# -- silences -------------------------------------------------------------------------------------


def active_silences(now: dt.datetime | None = None) -> QuerySet:
    return in_force(Silence.objects.select_related("rule", "target", "host", "created_by"), now)


def in_force(silences: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """The silences of ``silences`` in force at ``now``."""
    now = now or timezone.now()
    return silences.filter(starts__lte=now, ends__gt=now)


def create_silence(
    *,
    comment: str,
    user=None,
    rule=None,
    target=None,
    host=None,
    metric: str = "",
    starts: dt.datetime | None = None,
    ends: dt.datetime | None = None,
    duration: dt.timedelta | None = None,
) -> Silence:
    """Hold back the matching alerts from ``starts`` (default now) until ``ends`` or for
    ``duration``. It must match something: a rule, target, host or metric."""
    starts = starts or timezone.now()
    if ends is None and duration is not None:
        ends = starts + duration
    silence = Silence(
        comment=comment,
        created_by=user,
        rule=rule,
        target=target,
        host=host,
        metric=metric,
        starts=starts,
        ends=ends,
    )
    validate_silence(silence)
    silence.save()
    return silence


def validate_silence(silence: Silence) -> None:
    errors = {}
    try:
        silence.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if silence.starts and silence.ends and silence.ends <= silence.starts:
        errors["ends"] = [_("The silence must end after it starts.")]
    if not (silence.rule_id or silence.target_id or silence.host_id or silence.metric):
        errors["__all__"] = [_("Choose what to silence: a rule, a target, a host or a metric.")]
    if errors:
        raise ValidationError(errors)


def update_silence(silence: Silence, **changes) -> Silence:
    """Change what a silence matches, its period or its comment."""
    allowed = {"rule", "target", "host", "metric", "starts", "ends", "comment"}
    _refuse_unknown(changes, allowed)
    for name, value in changes.items():
        setattr(silence, name, value)
    validate_silence(silence)
    silence.save()
    return silence


def expire_silence(silence: Silence, user=None) -> Silence:
    """End the silence now (the audit trail records who); alerts it held back are announced
    at the next evaluation if they still fire."""
    now = timezone.now()
    if silence.ends > now:
        silence.ends = now
        silence.starts = min(silence.starts, now)
        silence.save(update_fields=["starts", "ends"])
    return silence


# -- rules ----------------------------------------------------------------------------------------


def create_rule(*, targets=None, hosts=None, channels=None, **fields) -> AlertRule:
    """A new rule; ``targets`` / ``hosts`` / ``channels`` empty or None mean all of them."""
    _refuse_unknown(fields)
    rule = AlertRule(**fields)
    with transaction.atomic():
        validate_rule(rule)
        rule.save()
        _set_relations(rule, targets, hosts, channels)
    return rule


def update_rule(rule: AlertRule, *, targets=None, hosts=None, channels=None, **changes):
    """Apply ``changes``; relations given (even empty) replace the old ones."""
    _refuse_unknown(changes)
    for name, value in changes.items():
        setattr(rule, name, value)
    with transaction.atomic():
        validate_rule(rule)
        rule.save()
        _set_relations(rule, targets, hosts, channels)
    return rule


def delete_rule(rule: AlertRule) -> None:
    """Remove a rule with its alerts, and resolve their open notifications (nothing would
    close them once the alerts are gone). A default rule can only be disabled."""
    if rule.is_default:
        raise ValidationError(_("A default rule cannot be deleted; disable it instead."))
    with transaction.atomic():
        notify.close_rule_notices(rule)
        rule.delete()


def known_metrics() -> set[str]:
    """Metrics a rule can watch: those with series, and those of the default rules (whose series
    may not exist yet). A rule on any other metric would never fire."""

    names = set(Series.objects.values_list("metric", flat=True).distinct())
    return names | {fields["metric"] for fields in DEFAULT_RULES.values()}


def _set_relations(rule, targets, hosts, channels) -> None:
    for manager, values in (
        (rule.targets, targets),
        (rule.hosts, hosts),
        (rule.channels, channels),
    ):
        if values is not None:
            manager.set(values)


def _refuse_unknown(fields: dict, allowed=RULE_FIELDS) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))


def validate_rule(rule: AlertRule) -> None:
    """Field checks plus: a threshold at least, critical beyond warning, recovery on the safe
    side, escalation with both its delay and a channel or team. Raises ValidationError by field."""
    errors: dict[str, list] = {}
    try:
        rule.full_clean(exclude=["targets", "hosts", "channels"], validate_unique=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, problem in threshold_problems(rule) + other_problems(rule):
        errors.setdefault(field, []).append(problem)
    if errors:
        raise ValidationError(errors)


def threshold_problems(rule: AlertRule) -> list[tuple[str, str]]:
    warning, critical, recovery = (
        rule.warning_threshold,
        rule.critical_threshold,
        rule.recovery_threshold,
    )
    if warning is None and critical is None:
        return [("__all__", _("Set a warning threshold, a critical threshold or both."))]
    above = rule.operator in ABOVE
    problems = []
    both = warning is not None and critical is not None
    if both and ((critical < warning) if above else (critical > warning)):
        problems.append(
            ("critical_threshold", _("The critical threshold must be beyond the warning one."))
        )
    first = warning if warning is not None else critical
    if recovery is not None and ((recovery > first) if above else (recovery < first)):
        text = (
            _("The recovery threshold must be at or below %(threshold)s.")
            if above
            else _("The recovery threshold must be at or above %(threshold)s.")
        )
        shown = value_text(first, rule_unit(rule))
        problems.append(("recovery_threshold", text % {"threshold": shown}))
    return problems


def other_problems(rule: AlertRule) -> list[tuple[str, str]]:
    problems = []
    if not METRIC_NAME.match(rule.metric or ""):
        problems.append(("metric", _("Use a metric name such as host.disk.percent.")))
    labels = rule.label_selector
    if not isinstance(labels, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
    ):
        problems.append(("label_selector", _('Enter labels as text to text, e.g. {"mount": "/"}.')))
    escalates_to = rule.escalation_channel_id is not None or rule.escalation_team_id is not None
    if (rule.escalate_after_minutes is None) == escalates_to:
        problems.append(
            (
                "escalation_channel",
                _("Escalation needs both a delay and a channel or a team to page."),
            )
        )
    return problems


def ensure_default_rules() -> int:
    """Create the default rules that do not exist yet; returns how many were created."""
    existing = set(AlertRule.objects.filter(is_default=True).values_list("default_key", flat=True))
    created = 0
    with audit_context(actor_name="system:alerts", source="system"):
        for key, fields in DEFAULT_RULES.items():
            if key in existing:
                continue
            values = dict(fields)
            if AlertRule.objects.filter(name=values["name"]).exists():
                values["name"] = f"{values['name']} ({key})"  # a rule of people's own has it
            AlertRule.objects.create(is_default=True, default_key=key, **values)
            created += 1
    return created


def create_default_rules_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver (connected in AlertsConfig.ready), once the alerts app is there."""
    if sender.label == "alerts":
        ensure_default_rules()
