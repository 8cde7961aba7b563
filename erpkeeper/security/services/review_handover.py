"""Handing review items to another reviewer: the named reviewer is away, or is not the right
person for some groups. The reviewer may hand over their own undecided items; who runs
campaigns may hand over anyone's. The new reviewer is told (outbox and a personal e-mail), and
the audit trail keeps who had each item before."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.security.review_models import CampaignStatus, Decision, ReviewItem
from erpkeeper.security.services.review_followup import MY_REVIEWS_LINK, SOURCE, send_personal
from erpkeeper.security.services.reviews import RUN_CAMPAIGNS


def reassign_items(items, *, to, by, reason: str = "") -> int:
    """Give ``items`` (undecided, in open campaigns) to reviewer ``to``; all or none."""
    items = list(items)
    reason = (reason or "").strip()
    _check_handover(items, to, by)
    with transaction.atomic():
        for item in items:
            item.reviewer = to
            item.save(update_fields=["reviewer"])
    _tell_new_reviewer(items, to, by, reason)
    return len(items)


def _check_handover(items: list[ReviewItem], to, by) -> None:
    if not items:
        raise ValidationError(_("Choose the items to hand over."))
    if to is None or not to.is_active or not to.is_staff:
        raise ValidationError({"to": _("Hand the items to an active console user.")})
    runs_campaigns = by.has_perm(RUN_CAMPAIGNS)
    for item in items:
        if item.reviewer_id != by.pk and not runs_campaigns:
            raise PermissionDenied(
                _("Only an item's reviewer or a campaign owner may hand it over.")
            )
        if item.campaign.status != CampaignStatus.OPEN:
            raise ValidationError(
                _("Campaign %(name)s is not open.") % {"name": item.campaign.name}
            )
        if item.decision != Decision.PENDING:
            raise ValidationError(
                _("%(login)s on %(target)s is decided already: it stays with its reviewer.")
                % {"login": item.login, "target": item.target_name}
            )
        if item.reviewer_id == to.pk:
            raise ValidationError(
                {"to": _("%(user)s reviews these items already.") % {"user": to.get_username()}}
            )


def _tell_new_reviewer(items: list[ReviewItem], to, by, reason: str) -> None:
    campaign = items[0].campaign
    with translation.override(settings.LANGUAGE_CODE):  # stored, shared text
        subject = ngettext(
            "Access review %(campaign)s: %(by)s handed you %(count)d item",
            "Access review %(campaign)s: %(by)s handed you %(count)d items",
            len(items),
        ) % {"campaign": campaign.name, "by": by.get_username(), "count": len(items)}
        body = _("Decide keep or revoke for each item on your My reviews page.")
        if reason:
            body = f"{reason}\n\n{body}"
    outbox.raise_alert(
        source=SOURCE,
        event=f"review_handover:{campaign.pk}:{to.pk}:{min(item.pk for item in items)}",
        severity=OutboxMessage.Severity.INFO,
        subject=subject,
        body=body,
        link=MY_REVIEWS_LINK,
    )
    send_personal(to, subject, body)
