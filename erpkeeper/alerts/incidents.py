"""Alerts open incidents: a firing alert opens or joins its target's incident ticket, and its
resolution is noted there (the service desk resolves the incident when its last alert does).

The service desk owns tickets; this module only calls its services and keeps the link
(``Alert.incident``). A failure here is logged and never stops the alerts from being sent.
"""

from __future__ import annotations

import logging

from erpkeeper.alerts.models import Alert, AlertState
from erpkeeper.servicedesk import services as servicedesk

logger = logging.getLogger(__name__)


def link_incidents(report) -> None:
    """After an evaluation: incidents for what fired (or became critical), notes for what
    resolved."""
    for alert in [*report.alerts("firing"), *report.alerts("severity")]:
        _guarded(alert_fired, alert)
    for alert in report.alerts("resolved"):
        _guarded(alert_resolved, alert)


def _guarded(step, alert: Alert) -> None:
    try:
        step(alert)
    except Exception:  # the ticket is a convenience: the alert itself must go out
        logger.exception("alert %s: incident ticket not updated", alert.pk)


def alert_fired(alert: Alert) -> None:
    if alert.incident_id is not None:
        return
    ticket = servicedesk.open_or_update_incident(
        alert.target, alert.summary, alert.pk, alert.severity
    )
    if ticket is not None:
        alert.incident = ticket
        alert.save(update_fields=["incident"])


def alert_resolved(alert: Alert) -> None:
    if alert.incident_id is None:
        return
    still_firing = (
        Alert.objects.filter(incident_id=alert.incident_id, state=AlertState.FIRING)
        .exclude(pk=alert.pk)
        .count()
    )
    servicedesk.note_alert_resolved(alert.incident, alert.summary, alert.pk, still_firing)
