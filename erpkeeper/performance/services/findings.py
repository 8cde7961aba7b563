"""What people do with findings: accept one (with a reason and an expiry) or open it again.
A finding becomes fixed only when a later run no longer sees it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.performance.models import Finding, FindingState
from erpkeeper.performance.texts import render, text_for


def accept_finding(finding: Finding, *, reason: str, until=None, user=None) -> Finding:
    """Accept ``finding`` as known (the risk is taken, or the fix is planned) until ``until``
    (None: until it is opened again). ValidationError without a reason or with a past date."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("Say why this finding is accepted.")
    if until is not None and until <= timezone.now():
        errors["until"] = _("The expiry must be in the future.")
    if finding.state == FindingState.FIXED:
        errors["state"] = _("This finding is fixed: nothing to accept.")
    if errors:
        raise ValidationError(errors)
    finding.state = FindingState.ACCEPTED
    finding.accepted_reason = reason
    finding.accepted_until = until
    finding.accepted_by = user
    finding.save(update_fields=["state", "accepted_reason", "accepted_until", "accepted_by"])
    return finding


def reopen_finding(finding: Finding) -> Finding:
    if finding.state != FindingState.ACCEPTED:
        raise ValidationError({"state": _("Only an accepted finding can be opened again.")})
    finding.state = FindingState.OPEN
    finding.accepted_until = None
    finding.save(update_fields=["state", "accepted_until"])
    return finding


def finding_title(finding: Finding) -> str:
    return str(text_for(finding.check_id).title)


def finding_explanation(finding: Finding) -> str:
    return render(text_for(finding.check_id).explanation, _numbers(finding))


def finding_advice(finding: Finding) -> str:
    return render(text_for(finding.check_id).advice, _numbers(finding))


def _numbers(finding: Finding) -> dict:
    return {"subject": finding.subject, **(finding.numbers or {})}
