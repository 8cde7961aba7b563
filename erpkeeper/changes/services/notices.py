"""Notices to people who must act on a change, through core's outbox (only notifications
sends). Each notice is keyed by the change's number, so it is raised once and resolved when
the people acted."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage

SOURCE = "changes"
APPROVAL = "approval"  # the board must decide
AFTER_THE_FACT = "after-fact"  # an emergency change was implemented unapproved
REVIEW = "review"  # the implementation ended: review it
SAFETY_BACKUP = "safety-backup"  # the safety backup failed before a window


def notify(change, kind: str, subject: str, severity=OutboxMessage.Severity.INFO, body=""):
    return outbox.raise_alert(
        source=SOURCE,
        event=_event(change, kind),
        subject=str(subject),
        severity=severity,
        body=str(body),
        link=reverse("admin:changes_changerequest_change", args=[change.pk]),
    )


def settle(change, kind: str) -> int:
    return outbox.resolve_alerts(source=SOURCE, event=_event(change, kind))


def _event(change, kind: str) -> str:
    return f"{kind}:{change.number}"[:64]
