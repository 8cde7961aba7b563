"""Announcements: to the team through the outbox (the notification channels send them, and
the team's members are mailed), and as a banner on the portal while they are current."""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.accounts.teams.models import Announcement
from erpkeeper.core import mail, outbox
from erpkeeper.core.models import OutboxMessage

logger = logging.getLogger(__name__)

SOURCE = "accounts"
FIELDS = (
    "title",
    "text",
    "title_zh",
    "text_zh",
    "level",
    "to_team",
    "team",
    "to_portal",
    "starts",
    "ends",
)


def create_announcement(*, actor=None, **fields) -> Announcement:
    """A new announcement; one for the team that has started is sent at once (later ones by
    the five-minute schedule, ``send_due_announcements``)."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown announcement fields: %(names)s") % {"names": sorted(unknown)}
        )
    fields.setdefault("starts", timezone.now())
    return save_announcement(Announcement(created_by=actor, **fields))


def update_announcement(announcement: Announcement, **fields) -> Announcement:
    for name, value in fields.items():
        if name not in FIELDS:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(announcement, name, value)
    return save_announcement(announcement)


def save_announcement(announcement: Announcement) -> Announcement:
    announcement.full_clean()
    with transaction.atomic():
        announcement.save()
    send_if_due(announcement)
    return announcement


def send_if_due(announcement: Announcement, now=None) -> bool:
    """Tell the team once the announcement has started (once only). Returns whether it was
    sent now."""
    now = now or timezone.now()
    if not announcement.to_team or announcement.sent_at or announcement.starts > now:
        return False
    if announcement.ends is not None and announcement.ends <= now:
        return False
    message = outbox.raise_alert(
        source=SOURCE,
        event=f"announcement:{announcement.pk}",
        subject=announcement.title,
        severity=_severity(announcement.level),
        body=_body(announcement),
    )
    announcement.sent_at = now
    announcement.save(update_fields=["sent_at"])
    _mail_members(announcement, message)
    return True


def _severity(level: str) -> str:
    return {
        Announcement.Level.CRITICAL: OutboxMessage.Severity.CRITICAL,
        Announcement.Level.WARNING: OutboxMessage.Severity.WARNING,
    }.get(level, OutboxMessage.Severity.INFO)


def _body(announcement: Announcement) -> str:
    parts = [announcement.text]
    if announcement.title_zh or announcement.text_zh:
        parts += ["", announcement.title_zh, announcement.text_zh]
    return "\n".join(part for part in parts if part is not None).strip()


def _mail_members(announcement: Announcement, message: OutboxMessage) -> int:
    """Mail each member of the announcement's team (through the e-mail channel's server);
    an address that fails is logged and skipped: the channels carry the announcement too."""
    if announcement.team is None:
        return 0
    addresses = sorted(
        {
            m.user.email
            for m in announcement.team.memberships.select_related("user")
            if m.user.email and m.user.is_active
        }
    )
    sent = 0
    for address in addresses:
        try:
            mail.send(
                mail.OutgoingMail(
                    to=(address,),
                    subject=announcement.title,
                    body=_body(announcement),
                    message_id=f"<announcement-{announcement.pk}-{uuid.uuid4().hex}@erpkeeper>",
                )
            )
            sent += 1
        except mail.MailNotSent as exc:
            logger.warning("announcement %s not mailed to a member: %s", announcement.pk, exc)
    return sent


def send_due_announcements() -> int:
    """Send the team announcements whose start has come (the scheduler calls this)."""
    now = timezone.now()
    due = Announcement.objects.filter(to_team=True, sent_at__isnull=True, starts__lte=now)
    return sum(send_if_due(announcement, now) for announcement in due)


def portal_announcements(now=None):
    """The announcements the portal shows now, newest first."""
    now = now or timezone.now()
    return Announcement.objects.filter(to_portal=True, starts__lte=now).filter(
        Q(ends__isnull=True) | Q(ends__gt=now)
    )


def delete_announcement(announcement: Announcement) -> None:
    announcement.delete()
