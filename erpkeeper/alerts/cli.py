"""``erpkeeper alert list|show|ack|resolve|evaluate|rules|rule …|silence …``.

    erpkeeper alert list [--state firing] [--target shop]
    erpkeeper alert ack 12 · erpkeeper alert resolve 12
    erpkeeper alert rule add "Disk /var" --metric host.disk.percent --label mount=/var \\
        --warning 80 --critical 90 --for 5m
    erpkeeper alert rule update "Disk /var" --critical 92 · erpkeeper alert rule disable ID
    erpkeeper alert silence add --target shop --for 2h --comment "disk migration"
    erpkeeper alert evaluate          (evaluate the rules now and print what changed)
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

from erpkeeper.accounts.teams.models import Team
from erpkeeper.alerts import services
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.filters import AlertFilterSet, SilenceFilterSet
from erpkeeper.alerts.models import Alert, AlertRule, Silence
from erpkeeper.alerts.values import alert_value_text, rule_unit, value_text
from erpkeeper.core.audit import acting_user
from erpkeeper.lib.cli import (
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    add_actions,
    emit,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments, filter_options
from erpkeeper.monitoring.models import Host
from erpkeeper.notifications.models import Channel
from erpkeeper.targets.models import Target

DURATION = re.compile(r"^(\d+)([smhd])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def register(sub) -> None:
    alert = sub.add_parser("alert", help="alerts, alert rules and silences")
    actions = alert.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="open alerts (or --state …), newest first")
    add_filter_arguments(listing, AlertFilterSet)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=handle_list)
    add_actions(
        actions,
        (
            ("show", "an alert in detail", handle_show),
            ("ack", "acknowledge: no more reminders, no escalation", handle_ack),
            ("resolve", "resolve by hand", handle_resolve),
        ),
        "id",
        type=int,
    )
    actions.add_parser("evaluate", help="evaluate the rules now, print what changed").set_defaults(
        handler=handle_evaluate
    )
    actions.add_parser("rules", help="the alert rules").set_defaults(handler=handle_rules)
    _register_rule(actions)
    _register_silence(actions)


def _register_rule(actions) -> None:
    rule = actions.add_parser("rule", help="add, update, enable, disable or delete a rule")
    verbs = rule.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    add = verbs.add_parser("add", help="add a rule")
    add.add_argument("name")
    add.add_argument("--metric", required=True)
    _rule_options(add)
    add.set_defaults(handler=handle_rule_add)
    update = verbs.add_parser("update", help="change a rule (only the options given)")
    update.add_argument("rule", help="name or id")
    update.add_argument("--name")
    update.add_argument("--metric")
    _rule_options(update)
    update.set_defaults(handler=handle_rule_update)
    add_actions(
        verbs,
        (
            ("enable", "enable a rule", handle_rule_enable),
            ("disable", "disable a rule", handle_rule_disable),
            ("delete", "delete a rule", handle_rule_delete),
        ),
        "rule",
        help="name or id",
    )


def _rule_options(parser) -> None:
    parser.add_argument("--operator", choices=[">", ">=", "<", "<="])
    parser.add_argument("--warning", type=float, dest="warning_threshold")
    parser.add_argument("--critical", type=float, dest="critical_threshold")
    parser.add_argument("--recovery", type=float, dest="recovery_threshold")
    parser.add_argument("--for", dest="for_", metavar="DURATION", help="e.g. 5m")
    parser.add_argument("--no-data", type=int, dest="no_data_intervals", metavar="INTERVALS")
    parser.add_argument("--repeat", type=int, dest="repeat_minutes", metavar="MINUTES")
    parser.add_argument("--label", action="append", metavar="KEY=VALUE", dest="labels")
    parser.add_argument("--target", action="append", metavar="NAME", dest="targets")
    parser.add_argument("--host", action="append", metavar="NAME", dest="hosts")
    parser.add_argument("--channel", action="append", metavar="NAME", dest="channels")
    parser.add_argument("--escalate-after", type=int, dest="escalate_after_minutes")
    parser.add_argument("--escalation-channel", metavar="NAME")
    parser.add_argument(
        "--escalation-team", metavar="TEAM", help="page whoever is on call for TEAM"
    )
    parser.add_argument("--description")


def _register_silence(actions) -> None:
    silence = actions.add_parser("silence", help="add, list or expire silences")
    verbs = silence.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    add = verbs.add_parser("add", help="hold back matching alerts for a while")
    add.add_argument("--target", metavar="NAME")
    add.add_argument("--host", metavar="NAME")
    add.add_argument("--rule", metavar="NAME_OR_ID")
    add.add_argument("--metric", default="")
    add.add_argument("--for", dest="for_", required=True, metavar="DURATION", help="e.g. 2h")
    add.add_argument("--comment", required=True)
    add.set_defaults(handler=handle_silence_add)
    listing = verbs.add_parser("list", help="silences in force (--all: every one)")
    add_filter_arguments(listing, SilenceFilterSet)
    listing.add_argument("--all", action="store_true", help="every silence, in force or not")
    listing.set_defaults(handler=handle_silence_list)
    expire = verbs.add_parser("expire", help="end a silence now")
    expire.add_argument("id", type=int)
    expire.set_defaults(handler=handle_silence_expire)


# -- alerts ---------------------------------------------------------------------------------------


def handle_list(args) -> int:
    if filter_options(args, AlertFilterSet)["state"]:
        alerts = Alert.objects.select_related("rule", "target", "host", "acknowledged_by")
    else:
        alerts = services.open_alerts()
    alerts = list(filter_from_arguments(AlertFilterSet, alerts, args)[: args.limit])
    rows = [alert_row(alert) for alert in alerts]
    columns = ["id", "state", "severity", "summary", "value", "since", "acknowledged", "held_back"]
    shown = [readable(row, alert) for row, alert in zip(rows, alerts, strict=True)]
    emit(args, rows, table(shown, columns))
    return 0


def handle_show(args) -> int:
    alert = find_alert(args.id)
    row = alert_row(alert)
    emit(args, row, render_plain(readable(row, alert)))
    return 0


def readable(row: dict, alert) -> dict:
    """The row for people: the value in its unit ("6.8 MB"); --json keeps the number."""
    return {**row, "value": "" if alert.value is None else alert_value_text(alert)}


def handle_ack(args) -> int:
    alert = _apply(services.acknowledge, find_alert(args.id), acting_user())
    emit(args, alert_row(alert), f"alert {alert.pk} acknowledged")
    return 0


def handle_resolve(args) -> int:
    alert = _apply(services.resolve, find_alert(args.id), acting_user())
    emit(args, alert_row(alert), f"alert {alert.pk} resolved")
    return 0


def handle_evaluate(args) -> int:
    report = evaluate()
    lines = [f"{kind:9} {summary}" for kind, summary, _alert in report.changes] or ["no changes"]
    lines.append(
        f"{report.rules} rules, {report.series} series, {report.messages} messages sent, "
        f"{report.suppressed} held back, {report.escalated} escalated"
    )
    emit(args, report.as_dict(), "\n".join(lines))
    return 0


def alert_row(alert) -> dict:
    return {
        "id": alert.pk,
        "state": alert.state,
        "severity": alert.severity,
        "summary": alert.summary_text,
        "rule": alert.rule.display_name,
        "target": alert.target.name if alert.target_id else "",
        "value": alert.value,
        "since": f"{alert.started:%Y-%m-%d %H:%M:%S}",
        "fired": alert.fired_at.isoformat() if alert.fired_at else "",
        "resolved": alert.resolved_at.isoformat() if alert.resolved_at else "",
        "acknowledged": alert.acknowledged_by.get_username() if alert.acknowledged_by else "",
        "held_back": alert.suppressed_reason,
        "paged": alert.paged_user.get_username() if alert.paged_user else "",
    }


# -- rules ----------------------------------------------------------------------------------------


def handle_rules(args) -> int:
    rows = [rule_row(rule) for rule in AlertRule.objects.all()]
    columns = ["id", "name", "metric", "condition", "for", "enabled", "default"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_rule_add(args) -> int:
    rule = _apply(lambda: services.create_rule(name=args.name, **rule_fields(args)))
    emit(args, rule_row(rule), f"added rule {rule.name} ({rule.pk})")
    return 0


def handle_rule_update(args) -> int:
    rule = find_rule(args.rule)
    changes = rule_fields(args)
    if args.name:
        changes["name"] = args.name
    rule = _apply(lambda: services.update_rule(rule, **changes))
    emit(args, rule_row(rule), f"updated rule {rule.name}")
    return 0


def handle_rule_enable(args) -> int:
    return _switch(args, True)


def handle_rule_disable(args) -> int:
    return _switch(args, False)


def _switch(args, enabled: bool) -> int:
    rule = _apply(lambda: services.update_rule(find_rule(args.rule), enabled=enabled))
    emit(args, rule_row(rule), f"{rule.name}: {'enabled' if enabled else 'disabled'}")
    return 0


def handle_rule_delete(args) -> int:
    rule = find_rule(args.rule)
    _apply(services.delete_rule, rule)
    emit(args, {"deleted": rule.name}, f"deleted rule {rule.name}")
    return 0


def rule_fields(args) -> dict:
    """The options given, as service fields (options left out are not changed)."""

    names = (
        "metric",
        "operator",
        "warning_threshold",
        "critical_threshold",
        "recovery_threshold",
        "no_data_intervals",
        "repeat_minutes",
        "escalate_after_minutes",
        "description",
    )
    fields = {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}
    if args.for_:
        fields["for_seconds"] = int(parse_duration(args.for_).total_seconds())
    if args.labels:
        fields["label_selector"] = dict(_key_value(item) for item in args.labels)
    if args.targets:
        fields["targets"] = [find(Target, name) for name in args.targets]
    if args.hosts:
        fields["hosts"] = [find(Host, name) for name in args.hosts]
    if args.channels:
        fields["channels"] = [find(Channel, name) for name in args.channels]
    if args.escalation_channel:
        fields["escalation_channel"] = find(Channel, args.escalation_channel)
    if args.escalation_team:
        fields["escalation_team"] = find(Team, args.escalation_team)
    return fields


def rule_row(rule) -> dict:
    unit = rule_unit(rule)
    thresholds = [
        f"{label} {rule.operator} {value_text(value, unit)}"
        for label, value in (
            ("warning", rule.warning_threshold),
            ("critical", rule.critical_threshold),
        )
        if value is not None
    ]
    return {
        "id": rule.pk,
        "name": rule.name,
        "metric": rule.metric,
        "labels": rule.label_selector,
        "condition": ", ".join(thresholds),
        "for": f"{rule.for_seconds}s",
        "no_data_intervals": rule.no_data_intervals,
        "enabled": "yes" if rule.enabled else "no",
        "default": "yes" if rule.is_default else "",
    }


# -- silences -------------------------------------------------------------------------------------


def handle_silence_add(args) -> int:
    silence = _apply(
        lambda: services.create_silence(
            comment=args.comment,
            user=acting_user(),
            target=find(Target, args.target) if args.target else None,
            host=find(Host, args.host) if args.host else None,
            rule=find_rule(args.rule) if args.rule else None,
            metric=args.metric,
            duration=parse_duration(args.for_),
        )
    )
    emit(args, silence_row(silence), f"silence {silence.pk} until {silence.ends:%Y-%m-%d %H:%M}")
    return 0


def handle_silence_list(args) -> int:
    active = None if args.all else filter_options(args, SilenceFilterSet)["active"] or "true"
    silences = filter_from_arguments(
        SilenceFilterSet,
        Silence.objects.select_related("rule", "target", "host", "created_by"),
        args,
        active=active,
    )
    rows = [silence_row(silence) for silence in silences]
    emit(args, rows, table(rows, ["id", "matches", "starts", "ends", "comment", "by"]))
    return 0


def handle_silence_expire(args) -> int:
    silence = find(Silence, args.id, by="pk")
    silence = services.expire_silence(silence, acting_user())
    emit(args, silence_row(silence), f"silence {silence.pk} expired")
    return 0


def silence_row(silence) -> dict:
    matches = [
        f"{label}={value}"
        for label, value in (
            ("rule", silence.rule),
            ("target", silence.target),
            ("host", silence.host),
            ("metric", silence.metric),
        )
        if value
    ]
    return {
        "id": silence.pk,
        "matches": " ".join(matches),
        "starts": f"{silence.starts:%Y-%m-%d %H:%M}",
        "ends": f"{silence.ends:%Y-%m-%d %H:%M}",
        "comment": silence.comment,
        "by": silence.created_by.get_username() if silence.created_by else "",
    }


# -- shared ---------------------------------------------------------------------------------------


def parse_duration(text: str) -> dt.timedelta:
    match = DURATION.match(text.strip().lower())
    if not match:
        raise CommandError(f"{text!r} is not a duration: use e.g. 30s, 5m, 2h or 1d", EXIT_USAGE)
    return dt.timedelta(seconds=int(match[1]) * UNIT_SECONDS[match[2]])


def _key_value(item: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise CommandError(f"{item!r}: use KEY=VALUE", EXIT_USAGE, "usage")
    return key, value


def _apply(operation, *arguments):
    """Run a service; its ValidationError becomes a one-line usage error."""

    try:
        return operation(*arguments)
    except ValidationError as exc:
        raise validation_error(exc) from None


def find(model, key, by="name"):
    obj = model.objects.filter(**{by: key}).first()
    if obj is None:
        label = model._meta.verbose_name
        raise CommandError(f"no {label} {key!r}", EXIT_NOT_FOUND, "not_found")
    return obj


def find_alert(pk: int):
    return find(Alert, pk, by="pk")


def find_rule(key: str):
    if str(key).isdigit():
        return find(AlertRule, int(key), by="pk")
    return find(AlertRule, key)
