"""Access review campaigns: create (draft), launch (one item per membership in scope, from
each target's latest snapshot or a fresh one), decide (keep, or revoke with a comment: a
remediation request), close (frozen). Reviewers see and decide only their own items."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.security.review_models import (
    Campaign,
    CampaignStatus,
    Decision,
    ItemVia,
    RemediationRequest,
    ReviewItem,
)
from erpkeeper.security.services.review_scope import Reviewers, in_scope, memberships
from erpkeeper.security.services.snapshots import SnapshotFailed, latest_succeeded, take_snapshot

RUN_CAMPAIGNS = "security.change_campaign"  # who runs campaigns and sees every item


def save_campaign(campaign: Campaign, targets=None) -> Campaign:
    """Create or change a draft campaign (validated; the owner defaults to whoever saves)."""
    if campaign.pk and _stored_status(campaign) != CampaignStatus.DRAFT:
        raise ValidationError(_("Only a draft campaign can be changed."))
    campaign.full_clean(exclude=["targets"])
    with transaction.atomic():
        campaign.save()
        if targets is not None:
            campaign.targets.set(targets)
    return campaign


def _stored_status(campaign: Campaign) -> str:
    return Campaign.objects.filter(pk=campaign.pk).values_list("status", flat=True).first() or ""


def delete_campaign(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("Only a draft campaign can be deleted; close it instead."))
    campaign.delete()


# -- launching ----------------------------------------------------------------------------------


def launch_campaign(campaign: Campaign, *, fresh: bool = False) -> int:
    """Open a draft campaign: one item per membership in scope, from each target's latest
    snapshot (``fresh``: a new one). Returns the number of items; nothing is written when a
    target cannot be read or nothing is in scope."""
    if campaign.status != CampaignStatus.DRAFT:
        raise ValidationError(_("Only a draft campaign can be launched."))
    targets = list(campaign.targets.order_by("name"))
    if not targets:
        raise ValidationError({"targets": _("Choose at least one target.")})
    snapshots = [(target, _snapshot_of(target, fresh)) for target in targets]
    with transaction.atomic():
        count = sum(_create_items(campaign, target, snapshot) for target, snapshot in snapshots)
        if not count:
            raise ValidationError(_("No membership of these targets is in the campaign's scope."))
        campaign.status, campaign.launched = CampaignStatus.OPEN, timezone.now()
        campaign.save(update_fields=["status", "launched"])
    return count


def _snapshot_of(target, fresh: bool):
    snapshot = None if fresh else latest_succeeded(target)
    if snapshot is None:
        try:
            snapshot = take_snapshot(target)
        except SnapshotFailed as exc:
            raise ValidationError(
                _("%(target)s could not be read: %(reason)s") % {"target": target, "reason": exc}
            ) from None
    return snapshot


def _create_items(campaign: Campaign, target, snapshot) -> int:
    reviewers = Reviewers(campaign, target)
    count = 0
    for membership in memberships(snapshot.load(), snapshot.started):
        if not in_scope(campaign, membership):
            continue
        ReviewItem.objects.create(
            campaign=campaign,
            target=target,
            target_name=target.name,
            snapshot=snapshot,
            login=membership.login,
            user_name=membership.user_name,
            via=membership.via,
            group=membership.group,
            group_xml_id=membership.group_xml_id,
            role=membership.role,
            role_groups=", ".join(sorted(membership.role_groups)),
            reviewer=reviewers.reviewer_for(membership),
        )
        count += 1
    return count


# -- deciding -----------------------------------------------------------------------------------


def items_visible_to(user, queryset=None):
    """Every item for who runs campaigns; a reviewer's own items for everyone else."""
    queryset = ReviewItem.objects.all() if queryset is None else queryset
    if user.has_perm(RUN_CAMPAIGNS):
        return queryset
    return queryset.filter(reviewer=user)


def decide_item(item: ReviewItem, *, user, decision: str, comment: str = "") -> ReviewItem:
    """Keep or revoke one item as its reviewer; a revocation needs a comment and becomes a
    remediation request (changing one's mind while the campaign is open withdraws it)."""
    comment = (comment or "").strip()
    _check_decision(item, user, decision, comment)
    with transaction.atomic():
        item.decision, item.comment = decision, comment
        item.decided_by, item.decided_at = user.get_username(), timezone.now()
        item.save(update_fields=["decision", "comment", "decided_by", "decided_at"])
        existing = RemediationRequest.objects.filter(item=item).first()
        if decision == Decision.REVOKE and existing is None:
            RemediationRequest.objects.create(
                item=item,
                campaign=item.campaign,
                target=item.target,
                what=remediation_text(item),
                requested_by=user.get_username(),
            )
        elif decision == Decision.KEEP and existing is not None:
            existing.delete()
    return item


def _check_decision(item: ReviewItem, user, decision: str, comment: str) -> None:
    if item.reviewer_id != user.pk:
        raise PermissionDenied(_("Only the item's reviewer may decide it."))
    if item.campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("The campaign is not open: its items can no longer be decided."))
    if decision not in (Decision.KEEP, Decision.REVOKE):
        raise ValidationError({"decision": _("Decide keep or revoke.")})
    if decision == Decision.REVOKE and not comment:
        raise ValidationError({"comment": _("Say why the access is revoked.")})


def bulk_keep(items, *, user, comment: str = "") -> int:
    """Keep several of the user's own items at once (all or none)."""
    items = list(items)
    with transaction.atomic():
        for item in items:
            decide_item(item, user=user, decision=Decision.KEEP, comment=comment)
    return len(items)


def remediation_text(item: ReviewItem) -> str:
    """What the ERP's administrators are asked to do, stored in the platform's language (the
    request is shared text, whoever decided it)."""
    values = {"login": item.login, "target": item.target_name}
    with translation.override(settings.LANGUAGE_CODE):
        if item.via == ItemVia.ROLE:
            values["role"] = item.role
            return _("Remove role %(role)s from %(login)s in %(target)s") % values
        values["group"] = item.group
        return _("Remove group %(group)s from %(login)s in %(target)s") % values


# -- closing and progress -----------------------------------------------------------------------


def close_campaign(campaign: Campaign) -> Campaign:
    """Freeze an open campaign: no decision changes any more. Its remediation requests are
    still verified by later snapshots."""
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("Only an open campaign can be closed."))
    campaign.status, campaign.closed = CampaignStatus.CLOSED, timezone.now()
    campaign.save(update_fields=["status", "closed"])
    return campaign


def progress(campaign: Campaign) -> list[dict]:
    """Per reviewer: items, decided, kept, revoked, pending and the percentage decided."""
    rows = (
        campaign.items.values("reviewer__username")
        .annotate(
            total=Count("pk"),
            kept=Count("pk", filter=Q(decision=Decision.KEEP)),
            revoked=Count("pk", filter=Q(decision=Decision.REVOKE)),
        )
        .order_by("reviewer__username")
    )
    return [_progress_row(row) for row in rows]


def _progress_row(row: dict) -> dict:
    decided = row["kept"] + row["revoked"]
    return {
        "reviewer": row["reviewer__username"],
        "total": row["total"],
        "decided": decided,
        "kept": row["kept"],
        "revoked": row["revoked"],
        "pending": row["total"] - decided,
        "percent": round(100 * decided / row["total"]) if row["total"] else 100,
    }


def totals(campaign: Campaign) -> dict:
    rows = progress(campaign)
    total = sum(r["total"] for r in rows)
    decided = sum(r["decided"] for r in rows)
    return {
        "total": total,
        "decided": decided,
        "pending": total - decided,
        "percent": round(100 * decided / total) if total else 0,
    }
