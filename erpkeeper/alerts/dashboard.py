"""Alerts' part of the dashboard: the firing-alerts tile, and each target card's firing alerts
(its own and those of the hosts it runs on), which turn it red (critical) or amber."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.alerts.models import Alert, AlertState
from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR
from erpkeeper.lib.dashboard import Board, Tile
from erpkeeper.monitoring.placement import hosts_running_each

MAX_LINES = 3  # per card


def contribute(board: Board) -> None:
    if not board.user.has_perm("alerts.view_alert"):
        return
    summary = firing_summary()
    board.context["firing_alerts"] = summary
    board.tiles.append(_tile(summary))
    by_target = firing_alerts_by_target(list(board.cards))
    for target_id, alerts in by_target.items():
        for state, text in _alert_reasons(alerts):
            board.add_reason(target_id, state, text)


def _tile(summary: dict) -> Tile:
    critical = summary["critical"]
    subtitle = _("Show them")
    if critical:
        counted = ngettext("%(n)d critical", "%(n)d critical", critical) % {"n": critical}
        subtitle = f"{counted} · {subtitle}"
    return Tile(
        _("Firing alerts"),
        summary["total"],
        subtitle=subtitle,
        url=summary["url"],
        color=summary["color"],
        testid="firing-alerts",
        order=60,
    )


def firing_summary() -> dict:
    counts = Alert.objects.filter(state=AlertState.FIRING).aggregate(
        total=Count("id"), critical=Count("id", filter=Q(severity="critical"))
    )
    color = BAD_COLOR if counts["critical"] else (WARNING_COLOR if counts["total"] else "")
    url = reverse("admin:alerts_alert_changelist") + "?state__exact=firing"
    return {**counts, "color": color, "url": url}


def firing_alerts_by_target(target_ids: list[int]) -> dict[int, list]:
    """Firing alerts per target id: the target's own and those of the hosts it runs on."""
    firing = list(
        Alert.objects.filter(state=AlertState.FIRING)
        .select_related("rule", "series__host", "series__target")
        .order_by("severity", "-started")
    )
    host_alerts = [alert for alert in firing if not alert.target_id and alert.host_id]
    by_target: dict[int, list] = {}
    for alert in firing:
        if alert.target_id in target_ids:
            by_target.setdefault(alert.target_id, []).append(alert)
    if host_alerts and target_ids:
        for target_id, hosts in hosts_running_each(target_ids).items():
            for alert in host_alerts:
                if alert.host_id in hosts:
                    by_target.setdefault(target_id, []).append(alert)
    return by_target


def _alert_reasons(alerts) -> list[tuple[str, str]]:
    # A critical alert turns the card red, a warning amber; three lines at most per card.
    reasons = [
        ("down" if alert.severity == "critical" else "warning", alert.summary_text)
        for alert in alerts
    ]
    if len(reasons) > MAX_LINES:
        extra = len(reasons) - (MAX_LINES - 1)
        more = ngettext("and %(n)d more alert", "and %(n)d more alerts", extra) % {"n": extra}
        reasons = [*reasons[: MAX_LINES - 1], (reasons[MAX_LINES - 1][0], more)]
    return reasons
