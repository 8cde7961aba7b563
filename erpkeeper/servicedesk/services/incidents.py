"""Incidents from alerts: while alerts fire on a target, one incident ticket holds them.

The alerts app calls these when an alert fires or resolves (a link between domains is a foreign
key plus a call to the owning app's services: ``Alert.incident`` and this module). The first
firing alert on a target opens the incident; later ones add a note to it instead of opening
another; when the last of its alerts resolves, the incident is resolved (an agent may reopen it).

ERPKEEPER_INCIDENTS_FROM_ALERTS turns this off; ERPKEEPER_INCIDENT_SEVERITIES says which alert
severities open incidents (default: critical only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import (
    Level,
    MessageKind,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import tickets


def incident_key(target) -> str:
    return f"alerts:target:{target.pk}"


def wants_incident(target, severity: str) -> bool:
    return (
        settings.INCIDENTS_FROM_ALERTS
        and target is not None
        and severity in settings.INCIDENT_SEVERITIES
    )


def open_or_update_incident(target, alert_summary: str, alert_id: int, severity: str):
    """The target's open incident with a note about this alert, or a new incident; None when
    incidents from alerts are off, or not for this severity, or the alert has no target."""
    if not wants_incident(target, severity):
        return None
    values = {"summary": alert_summary, "id": alert_id, "severity": severity, "target": target}
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        ticket = (
            Ticket.objects.select_for_update()
            .filter(source_key=incident_key(target), status__in=tickets.ACTIVE)
            .order_by("pk")
            .first()
        )
        if ticket is not None:
            _note(ticket, _("Alert %(id)s fires: %(summary)s (%(severity)s).") % values)
            return ticket
        return tickets.open_ticket(
            subject=_("Incident on %(target)s: %(summary)s") % values,
            body=_("Alert %(id)s fires: %(summary)s (%(severity)s).") % values,
            kind=TicketKind.INCIDENT,
            category=TicketCategory.ERROR,
            target=target,
            impact=Level.HIGH,
            urgency=Level.HIGH if severity == "critical" else Level.MEDIUM,
            via=Via.SYSTEM,
            source_key=incident_key(target),
        )


def note_alert_resolved(ticket: Ticket, alert_summary: str, alert_id: int, still_firing: int):
    """An alert of the incident resolved; with none of its alerts still firing, the incident
    is resolved too."""
    values = {"summary": alert_summary, "id": alert_id, "count": still_firing}
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        _note(ticket, _("Alert %(id)s resolved: %(summary)s.") % values)
        if still_firing or ticket.status not in tickets.ACTIVE:
            return ticket
        _note(ticket, _("Every alert of this incident has resolved."))
        return tickets.change_status(ticket, TicketStatus.RESOLVED)


def _note(ticket: Ticket, text: str) -> TicketMessage:
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.NOTE, body=text, via=Via.SYSTEM
    )
    ticket.save(update_fields=["updated"])
    return message
