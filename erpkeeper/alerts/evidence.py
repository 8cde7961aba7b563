"""Compliance evidence from alerts: alerts that fired in the period were acknowledged (or
resolved) in time, per target."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.alerts.models import Alert
from erpkeeper.lib.evidence import Evidence, EvidenceCollector, EvidenceScope, EvidenceStatus
from erpkeeper.targets.models import Target

ACK_KEY = "alerts.acknowledged_in_time"
# Without an escalation delay on the rule, an alert is "in time" when someone acknowledged
# it (or it resolved) within this long after it fired.
DEFAULT_ACK = dt.timedelta(minutes=30)
DEFAULT_PERIOD = dt.timedelta(days=30)
PARTIAL_SHARE = 0.9


def acknowledged_in_time(scope: EvidenceScope) -> list[Evidence]:
    since = scope.since or scope.until - DEFAULT_PERIOD
    alerts = Alert.objects.filter(
        target_id__in=scope.target_ids,
        fired_at__gte=since,
        fired_at__lte=scope.until,
    ).values(
        "target_id", "fired_at", "acknowledged_at", "resolved_at", "rule__escalate_after_minutes"
    )
    counts: dict[int, list[int]] = {}
    for alert in alerts:
        seen = counts.setdefault(alert["target_id"], [0, 0])
        seen[0] += 1
        seen[1] += _in_time(alert)
    ids = Target.objects.filter(pk__in=scope.target_ids).values_list("pk", flat=True)
    return [_evidence(target_id, *counts.get(target_id, [0, 0]), scope) for target_id in ids]


def _in_time(alert: dict) -> bool:
    minutes = alert["rule__escalate_after_minutes"]
    limit = dt.timedelta(minutes=minutes) if minutes else DEFAULT_ACK
    handled = [t for t in (alert["acknowledged_at"], alert["resolved_at"]) if t is not None]
    return bool(handled) and min(handled) - alert["fired_at"] <= limit


def _evidence(target_id: int, fired: int, in_time: int, scope: EvidenceScope) -> Evidence:
    details = {"fired": fired, "in_time": in_time}
    if fired == 0:
        text = _("No alert fired in the period")
        return Evidence(ACK_KEY, EvidenceStatus.PASS, text, scope.until, target_id, details)
    share = in_time / fired
    if share == 1:
        status = EvidenceStatus.PASS
    elif share >= PARTIAL_SHARE:
        status = EvidenceStatus.PARTIAL
    else:
        status = EvidenceStatus.FAIL
    text = _("%(in_time)d of %(fired)d alerts acknowledged in time") % details
    return Evidence(ACK_KEY, status, text, scope.until, target_id, details)


COLLECTORS = (
    EvidenceCollector(ACK_KEY, gettext_lazy("Alerts acknowledged in time"), acknowledged_in_time),
)
