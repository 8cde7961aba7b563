"""``erpkeeper channel add|list|show|test|enable|disable|remove|deliveries|deliver``.

Secrets are read from standard input (``--url-stdin``, ``--secret-stdin``; both: URL on the
first line, secret on the second) so they stay out of the shell history and ``ps``.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_actions,
    emit,
    find_one,
    table,
    validation_text,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.notifications import services
from erpkeeper.notifications.delivery import deliver_pending
from erpkeeper.notifications.filters import DeliveryFilterSet
from erpkeeper.notifications.models import Channel, Delivery
from erpkeeper.targets.cli import find_target

KINDS = ["email", "webhook", "slack", "dingtalk", "wecom", "feishu"]
SEVERITIES = ["info", "warning", "critical"]


def register(sub) -> None:
    channel = sub.add_parser("channel", help="notification channels: add, list, test, deliveries")
    actions = channel.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    _register_add(actions)
    actions.add_parser("list", help="channels, their state and last delivery").set_defaults(
        handler=handle_list
    )
    add_actions(
        actions,
        (
            ("show", "a channel's settings (secrets only as set / not set)", handle_show),
            ("test", "send a test message now; exit 1 if it failed", handle_test),
            ("enable", "turn a channel on again (after fixing what disabled it)", handle_enable),
            ("disable", "stop sending to a channel", handle_disable),
            ("remove", "remove a channel and its delivery history", handle_remove),
        ),
        "name",
    )
    deliveries = actions.add_parser("deliveries", help="delivery attempts, newest first")
    add_filter_arguments(deliveries, DeliveryFilterSet, positional=("channel",))
    deliveries.add_argument(
        "--failed", action="store_true", help="only failed attempts (--ok false)"
    )
    deliveries.add_argument("--limit", type=int, default=30)
    deliveries.set_defaults(handler=handle_deliveries)
    actions.add_parser("deliver", help="send pending notifications now").set_defaults(
        handler=handle_deliver
    )


def _register_add(actions) -> None:
    add = actions.add_parser(
        "add",
        help="add a channel",
        description="Settings per kind (--set): email: host, port, security "
        "(starttls|ssl|none), username, from_address, recipients (comma list); "
        "slack: blocks (true|false); feishu: message_type (interactive|text).",
    )
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--url-stdin", action="store_true", help="read the webhook URL from stdin")
    add.add_argument(
        "--secret-stdin",
        action="store_true",
        help="read the signing secret (email: the SMTP password) from stdin",
    )
    add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings")
    add.add_argument("--min-severity", choices=SEVERITIES, default="warning")
    add.add_argument(
        "--target", action="append", default=[], metavar="NAME", help="only these targets"
    )
    add.add_argument("--description", default="")
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.set_defaults(handler=handle_add)


# -- handlers -----------------------------------------------------------------------------------


def handle_add(args) -> int:
    secrets = _secrets_from_stdin(args)
    try:
        channel = services.create_channel(
            name=args.name,
            kind=args.kind,
            enabled=not args.disabled,
            config=parse_settings(args.settings),
            min_severity=args.min_severity,
            description=args.description,
            targets=[find_target(name) for name in args.target],
            secrets=secrets,
        )
    except ValidationError as exc:
        raise CommandError(validation_text(exc), EXIT_USAGE, "invalid") from None
    emit(args, channel_data(channel), f"added channel {channel.name} ({channel.kind})")
    return 0


def handle_list(args) -> int:
    rows = [channel_row(c) for c in Channel.objects.all()]
    columns = ["name", "kind", "destination", "min_severity", "state", "last_delivery"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_show(args) -> int:
    emit(args, channel_data(find_channel(args.name)))
    return 0


def handle_test(args) -> int:
    channel = find_channel(args.name)
    delivery = services.send_test(channel)
    data = delivery_row(delivery)
    if not delivery.ok:
        if args.json:
            emit(args, data)
        raise CommandError(f"{channel.name}: {delivery.error}", EXIT_FAILED, "delivery_failed")
    emit(args, data, f"{channel.name}: test message delivered in {delivery.duration_ms} ms")
    return 0


def handle_enable(args) -> int:
    channel = services.enable_channel(find_channel(args.name))
    emit(args, channel_data(channel), f"{channel.name}: enabled")
    return 0


def handle_disable(args) -> int:
    channel = services.disable_channel(find_channel(args.name))
    emit(args, channel_data(channel), f"{channel.name}: disabled")
    return 0


def handle_remove(args) -> int:
    services.remove_channel(find_channel(args.name))
    emit(args, {"removed": args.name}, f"removed channel {args.name}")
    return 0


def handle_deliveries(args) -> int:
    deliveries = Delivery.objects.select_related("channel", "message")
    only_failed = {"ok": False} if args.failed else {}
    deliveries = filter_from_arguments(DeliveryFilterSet, deliveries, args, **only_failed)
    rows = [delivery_row(d) for d in deliveries[: max(1, args.limit)]]
    columns = ["started", "channel", "notification", "attempt", "result", "ms", "error"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_deliver(args) -> int:
    run = deliver_pending()
    text = f"{run.delivered} delivered, {run.failed} failed"
    if run.disabled:
        text += "; disabled: " + ", ".join(run.disabled)
    emit(args, run.as_dict(), text)
    return 0


# -- helpers ------------------------------------------------------------------------------------


def parse_settings(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs; true/false become booleans and whole numbers integers."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--set {pair!r}: expected KEY=VALUE", EXIT_USAGE, "usage")
        settings[key.strip()] = _typed(value.strip())
    return settings


def _typed(value: str):
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    return int(value) if value.isdigit() else value


def _secrets_from_stdin(args) -> dict:
    secrets = {}
    if args.url_stdin:
        secrets["url"] = sys.stdin.readline().strip()
    if args.secret_stdin:
        secrets["password" if args.kind == "email" else "secret"] = sys.stdin.readline().strip()
    return secrets


def find_channel(name: str):
    return find_one(Channel.objects, "channel", name=name)


def channel_row(channel) -> dict:
    last = services.last_delivery(channel)
    if channel.enabled:
        state = "enabled"
    else:
        state = f"disabled: {channel.disabled_reason}" if channel.disabled_reason else "disabled"
    return {
        "name": channel.name,
        "kind": channel.kind,
        "destination": channel.destination_masked,
        "min_severity": channel.min_severity,
        "state": state,
        "last_delivery": _result_text(last) if last else "-",
    }


def channel_data(channel) -> dict:
    data = channel_row(channel)
    data.update(
        {
            "enabled": channel.enabled,
            "settings": channel.config,
            "secrets_set": sorted(channel.stored_secret_keys),
            "targets": [t.name for t in channel.targets.all()] or "all",
            "disabled_reason": channel.disabled_reason,
            "disabled_at": channel.disabled_at,
            "description": channel.description,
        }
    )
    return data


def delivery_row(delivery) -> dict:
    return {
        "id": delivery.id,
        "started": _local_time(delivery.started),
        "channel": delivery.channel.name,
        "notification": delivery.message.subject[:40] if delivery.message_id else "(test)",
        "attempt": delivery.attempt,
        "ok": delivery.ok,
        "result": _result_text(delivery),
        "status_code": delivery.status_code,
        "ms": delivery.duration_ms,
        "error": delivery.error,
        "next_retry_at": delivery.next_retry_at,
    }


def _local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _result_text(delivery) -> str:
    if delivery.ok is None:
        return "sending"
    mark = "ok" if delivery.ok else "failed"
    return f"{mark} {delivery.status_code}" if delivery.status_code else mark
