"""What happens to a campaign after its launch without anyone asking: reminders to reviewers
before the deadline, escalation to the campaign owner and the Managers once it is overdue
(both through the outbox, which the notification channels send, and a personal e-mail where
one can be sent), and the verification of remediation requests by each new snapshot."""

from __future__ import annotations

import logging
from email.utils import make_msgid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.core import mail, outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib.roles import Role
from erpkeeper.security.review_models import (
    Campaign,
    CampaignStatus,
    Decision,
    ItemVia,
    RemediationRequest,
    RemediationState,
)
from erpkeeper.security.services.review_scope import memberships

logger = logging.getLogger(__name__)
SOURCE = "security"


def campaign_link(campaign: Campaign) -> str:
    return f"/security/campaign/{campaign.pk}/change/"


MY_REVIEWS_LINK = "/security/campaign/my-reviews/"


def follow_up_campaigns(today=None) -> dict:
    """The scheduled job: remind and escalate for every open campaign with pending items."""
    today = today or timezone.localdate()
    done = {"reminders": 0, "escalations": 0}
    for campaign in Campaign.objects.filter(status=CampaignStatus.OPEN):
        pending = campaign.items.filter(decision=Decision.PENDING)
        if not pending.exists():
            continue
        days_left = (campaign.deadline - today).days
        if days_left < 0 and campaign.escalated is None:
            escalate(campaign, pending)
            done["escalations"] += 1
        elif days_left >= 0 and days_left in campaign.reminder_day_list:
            done["reminders"] += remind(campaign, pending, today)
    return done


def remind(campaign: Campaign, pending, today) -> int:
    """One reminder per reviewer with pending items, once per reminder day."""
    if today.isoformat() in campaign.reminders_sent:
        return 0
    counts: dict = {}
    for item in pending.select_related("reviewer"):
        counts[item.reviewer] = counts.get(item.reviewer, 0) + 1
    for reviewer, count in counts.items():
        with translation.override(settings.LANGUAGE_CODE):  # stored, shared text
            subject = ngettext(
                "Access review %(campaign)s: %(count)d item for %(reviewer)s, due %(deadline)s",
                "Access review %(campaign)s: %(count)d items for %(reviewer)s, due %(deadline)s",
                count,
            ) % _values(campaign, reviewer, count)
            body = _("Decide keep or revoke for each item on your My reviews page.")
        outbox.raise_alert(
            source=SOURCE,
            event=f"review_reminder:{campaign.pk}:{reviewer.pk}:{today.isoformat()}",
            severity=OutboxMessage.Severity.WARNING,
            subject=subject,
            body=body,
            link=MY_REVIEWS_LINK,
        )
        send_personal(reviewer, subject, body)
    campaign.reminders_sent = [*campaign.reminders_sent, today.isoformat()]
    campaign.save(update_fields=["reminders_sent"])
    return len(counts)


def escalate(campaign: Campaign, pending) -> OutboxMessage:
    """The deadline has passed with items pending: tell the owner and the Managers, once."""
    waiting = sorted({item.reviewer.get_username() for item in pending.select_related("reviewer")})
    people = escalation_recipients(campaign)
    with translation.override(settings.LANGUAGE_CODE):
        count = pending.count()
        subject = ngettext(
            "Access review %(campaign)s is overdue: %(count)d item not decided",
            "Access review %(campaign)s is overdue: %(count)d items not decided",
            count,
        ) % {"campaign": campaign.name, "count": count}
        body = _(
            "The deadline was %(deadline)s. Reviewers still to decide: %(reviewers)s. "
            "Told: %(people)s."
        ) % {
            "deadline": campaign.deadline.isoformat(),
            "reviewers": ", ".join(waiting),
            "people": ", ".join(u.get_username() for u in people),
        }
    message = outbox.raise_alert(
        source=SOURCE,
        event=f"review_overdue:{campaign.pk}",
        severity=OutboxMessage.Severity.CRITICAL,
        subject=subject,
        body=body,
        link=campaign_link(campaign),
    )
    for person in people:
        send_personal(person, subject, body)
    campaign.escalated = timezone.now()
    campaign.save(update_fields=["escalated"])
    return message


def escalation_recipients(campaign: Campaign) -> list:
    managers = get_user_model().objects.filter(groups__name=Role.MANAGER.value, is_active=True)
    people = {campaign.owner.pk: campaign.owner}
    people.update({user.pk: user for user in managers})
    return [people[pk] for pk in sorted(people)]


def _values(campaign: Campaign, reviewer, count: int) -> dict:
    return {
        "campaign": campaign.name,
        "count": count,
        "reviewer": reviewer.get_username(),
        "deadline": campaign.deadline.isoformat(),
    }


def send_personal(user, subject: str, body: str) -> bool:
    """An e-mail to one person through the notifications' e-mail channel; the outbox notice
    stands when it cannot be sent (no e-mail channel, no address)."""
    if not user.email:
        return False
    try:
        mail.send(
            mail.OutgoingMail(
                to=(user.email,),
                subject=subject,
                body=body,
                message_id=make_msgid(domain="erpkeeper.invalid"),
            )
        )
    except mail.MailNotSent as exc:
        logger.info("review mail to %s not sent: %s", user.get_username(), exc)
        return False
    return True


# -- verification by the next snapshot ------------------------------------------------------------


def verify_requests(snapshot, document: dict) -> int:
    """Check every remediation request of the snapshot's target made before it: the access is
    gone (carried out) or still there (not carried out). Returns how many were checked."""
    requests = RemediationRequest.objects.filter(
        target=snapshot.target, requested__lt=snapshot.started
    ).exclude(state=RemediationState.CARRIED_OUT)
    checked = 0
    for request in requests.select_related("item"):
        held = still_held(document, request.item, snapshot.started)
        request.state = RemediationState.NOT_CARRIED_OUT if held else RemediationState.CARRIED_OUT
        request.checked_snapshot, request.checked = snapshot, timezone.now()
        request.save(update_fields=["state", "checked_snapshot", "checked"])
        checked += 1
    return checked


def still_held(document: dict, item, at) -> bool:
    """Whether the user still has the item's group (directly) or role, active."""
    for membership in memberships(document, at):
        if membership.login != item.login or membership.via != item.via:
            continue
        if item.via == ItemVia.ROLE and membership.role == item.role:
            return True
        if item.via == ItemVia.DIRECT and _same_group(membership, item):
            return True
    return False


def _same_group(membership, item) -> bool:
    if item.group_xml_id:
        return membership.group_xml_id == item.group_xml_id
    return membership.group == item.group
