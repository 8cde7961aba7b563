"""Turning an outbox message into the words a channel sends, in the platform's language.

Subjects and bodies arrive already translated by the code that raised them; the labels added
here ("Target", "Occurrences" …) are translated into ``settings.LANGUAGE_CODE``, because a
notification goes to a team, not to the user whose request happened to trigger it.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications import conf
from erpkeeper.notifications.channels.base import Notification

SEVERITY_COLORS = {"info": "blue", "warning": "orange", "critical": "red"}


@contextmanager
def platform_language():
    with translation.override(settings.LANGUAGE_CODE):
        yield


def notification_from(message: OutboxMessage) -> Notification:
    with platform_language():
        return Notification(
            id=message.pk,
            source=message.source,
            event=message.event,
            severity=message.severity,
            severity_label=str(OutboxMessage.Severity(message.severity).label),
            subject=message.subject,
            body=message.body,
            target=message.target.name if message.target_id else "",
            link=absolute_link(message.link),
            created=message.created.isoformat() if message.created else "",
            occurrences=message.occurrences,
        )


def sample_notification() -> Notification:
    """The message "Send test" delivers: harmless, and recognisable as a test."""
    with platform_language():
        return Notification(
            id=None,
            source="notifications",
            event="test",
            severity=OutboxMessage.Severity.INFO,
            severity_label=str(OutboxMessage.Severity.INFO.label),
            subject=_("Test message from ERPKeeper"),
            body=_("This channel is set up correctly: ERPKeeper's notifications will arrive here."),
            target="",
            link=absolute_link(reverse("admin:notifications_channel_changelist")),
            created=timezone.now().isoformat(),
            occurrences=1,
        )


def absolute_link(link: str) -> str:
    """Console paths become full URLs when ERPKEEPER_PUBLIC_URL is set; others are kept."""
    base = conf.public_url()
    if link.startswith("/") and not link.startswith("//") and base:
        return base + link
    return link


def detail_lines(notification: Notification) -> list[tuple[str, str]]:
    """(label, value) pairs shown under the subject, in the platform language."""
    with platform_language():
        lines = [(_("Severity"), notification.severity_label)]
        if notification.target:
            lines.append((_("Target"), notification.target))
        if notification.occurrences > 1:
            lines.append((_("Occurrences"), str(notification.occurrences)))
        if notification.link:
            lines.append((_("Link"), notification.link))
        return lines


def plain_text(notification: Notification) -> str:
    """Subject, details and body as plain text (email, Feishu text, Slack's fallback)."""
    details = "\n".join(f"{label}: {value}" for label, value in detail_lines(notification))
    parts = [f"[{notification.severity_label}] {notification.subject}", details]
    if notification.body:
        parts.append(notification.body)
    return "\n\n".join(parts)


def markdown_text(notification: Notification, max_bytes: int | None = None) -> str:
    """Markdown for DingTalk and WeCom: a heading, the details quoted, then the body."""
    details = "\n".join(f"> {line}" for line in markdown_details(notification))
    text = f"### {notification.subject}\n\n{details}"
    if notification.body:
        text += "\n\n" + notification.body
    return truncate_bytes(text, max_bytes) if max_bytes else text


def markdown_details(notification: Notification) -> list[str]:
    return [f"**{label}**: {value}" for label, value in detail_lines(notification)]


def truncate_bytes(text: str, max_bytes: int) -> str:
    """At most ``max_bytes`` of UTF-8 (the robots count bytes), cut on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - 3].decode("utf-8", errors="ignore") + "…"
