"""The notification outbox: one function to raise an alert, one to resolve it.

Backups, verifications, drills and alerts report here; the notifications app's channels
(email, webhooks, DingTalk, WeCom, Feishu) send what is pending. A failure that repeats while
its message is still open increments ``occurrences`` instead of piling up copies.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from erpkeeper.core.models import OutboxMessage

OPEN_STATES = (OutboxMessage.State.PENDING, OutboxMessage.State.SENT)


def raise_alert(
    *,
    source: str,
    event: str,
    subject: str,
    severity: str = OutboxMessage.Severity.CRITICAL,
    target=None,
    body: str = "",
    link: str = "",
) -> OutboxMessage:
    """Record an alert, or count one more occurrence of the same open alert."""
    key = dedupe_key(source, event, target)
    with transaction.atomic():
        existing = (
            OutboxMessage.objects.select_for_update()
            .filter(dedupe_key=key, state__in=OPEN_STATES)
            .first()
        )
        if existing is not None:
            OutboxMessage.objects.filter(pk=existing.pk).update(
                occurrences=F("occurrences") + 1, subject=subject[:255], body=body, link=link
            )
            existing.refresh_from_db()
            return existing
        return OutboxMessage.objects.create(
            source=source,
            event=event,
            severity=severity,
            target=target,
            subject=subject[:255],
            body=body,
            link=link,
            dedupe_key=key,
        )


def resolve_alerts(*, source: str, event: str, target=None) -> int:
    """Mark the open alert of this kind resolved (the next success clears the failure)."""
    return OutboxMessage.objects.filter(
        dedupe_key=dedupe_key(source, event, target), state__in=OPEN_STATES
    ).update(state=OutboxMessage.State.RESOLVED)


def open_alerts(target=None):
    queryset = OutboxMessage.objects.filter(state__in=OPEN_STATES)
    if target is not None:
        queryset = queryset.filter(target=target)
    return queryset


def dedupe_key(source: str, event: str, target) -> str:
    target_part = f"target:{target.pk}" if target is not None else "global"
    return f"{source}:{event}:{target_part}"


def resolve_message(message: OutboxMessage) -> bool:
    """Mark one open message resolved by hand (someone dealt with it); False if it was not open.

    Saved rather than bulk updated, so the audit trail records who resolved it.
    """
    if message.state not in OPEN_STATES:
        return False
    message.state = OutboxMessage.State.RESOLVED
    message.save(update_fields=["state", "updated"])
    return True


def mark_sent(message: OutboxMessage) -> bool:
    """Record that a notification channel delivered a pending message; False if it was not
    pending. A conditional update, so concurrent delivery runners mark it once."""

    return bool(
        OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING).update(
            state=OutboxMessage.State.SENT, sent_at=timezone.now()
        )
    )
