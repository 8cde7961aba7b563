"""Findings of a target: reconciled with each new reading (an account review after a snapshot,
a check run), accepted for a while with a reason, fixed when a later reading no longer finds
them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.security.models import Finding, FindingKind, FindingState


@dataclass(frozen=True)
class Found:
    """One finding as a reading reports it, before it is stored."""

    kind: str
    severity: str
    subject: str = ""
    detail: str = ""
    check_id: str = ""


def reconcile(target, kinds: list[str], found: list[Found]) -> list[Finding]:
    """Store ``found`` for ``target``; those of ``kinds`` no longer found become fixed (the
    reading verified it). Returns the findings newly opened or opened again."""
    now = timezone.now()
    opened, seen = [], set()
    with transaction.atomic():
        for item in found:
            finding, created = Finding.objects.get_or_create(
                target=target,
                kind=item.kind,
                check_id=item.check_id,
                subject=item.subject,
                defaults={"severity": item.severity, "detail": item.detail, "first_seen": now},
            )
            seen.add(finding.pk)
            if created or _reopens(finding, now.date()):
                opened.append(finding)
                finding.state, finding.fixed_at = FindingState.OPEN, None
            finding.severity, finding.detail, finding.last_seen = item.severity, item.detail, now
            finding.save()
        gone = Finding.objects.filter(target=target, kind__in=kinds).exclude(pk__in=seen)
        gone.exclude(state=FindingState.FIXED).update(state=FindingState.FIXED, fixed_at=now)
    return opened


def _reopens(finding: Finding, today: dt.date) -> bool:
    """Found again after it was fixed, or its acceptance has run out."""
    if finding.state == FindingState.FIXED:
        return True
    return finding.state == FindingState.ACCEPTED and (
        finding.expires is None or finding.expires < today
    )


def accept_finding(
    finding: Finding, *, reason: str, expires: dt.date, by: str, owner: str = ""
) -> Finding:
    """Accept an open finding until ``expires`` (a later date) with a reason; ``owner`` (who
    answers for it) is kept unless a new one is given."""
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why the finding is accepted.")
    if expires is None or expires <= timezone.localdate():
        errors["expires"] = _("The acceptance must expire on a later date.")
    if finding.state == FindingState.FIXED:
        errors["state"] = _("This finding is fixed already.")
    if errors:
        raise ValidationError(errors)
    finding.state, finding.reason, finding.expires = FindingState.ACCEPTED, reason.strip(), expires
    finding.accepted_by, finding.owner = by, owner.strip() or finding.owner
    finding.save(update_fields=["state", "reason", "expires", "accepted_by", "owner"])
    return finding


def expire_acceptances(target) -> int:
    """Accepted findings whose acceptance ran out are open again."""
    return Finding.objects.filter(
        target=target, state=FindingState.ACCEPTED, expires__lt=timezone.localdate()
    ).update(state=FindingState.OPEN)


def account_findings(target):
    return Finding.objects.filter(target=target).exclude(kind=FindingKind.CHECK)
