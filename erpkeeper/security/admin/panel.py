"""The "ERP access" line above a target's page: the latest snapshot's counts and links, the open
security findings and the latest security score."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.lib.admin import when_text
from erpkeeper.lib.plugins import TargetPanel
from erpkeeper.security.models import AccessSnapshot, FindingState, SecurityCheckRun


def target_panel(request, target) -> TargetPanel | None:
    if not request.user.has_perm("security.view_accesssnapshot"):
        return None
    latest = AccessSnapshot.objects.filter(target=target).order_by("-started").first()
    context = {
        "target": target,
        "latest": latest,
        "taken": when_text(latest.started) if latest else "",
        "latest_url": (
            reverse("admin:security_accesssnapshot_change", args=[latest.pk]) if latest else ""
        ),
        "take_url": reverse("admin:security_accesssnapshot_take", args=[target.pk]),
        "may_take": request.user.has_perm("security.add_accesssnapshot"),
        **_findings_context(target),
    }
    return TargetPanel("security_panel", "security/admin/target_panel.html", context)


def _findings_context(target) -> dict:
    scored = (
        SecurityCheckRun.objects.filter(target=target, score__isnull=False)
        .order_by("-started")
        .first()
    )
    open_count = target.security_findings.filter(state=FindingState.OPEN).count()
    return {
        "open_findings": open_count,
        "findings_url": reverse("admin:security_finding_changelist")
        + f"?target__id__exact={target.pk}&state__exact=open",
        "score": scored.score if scored else None,
        "score_url": (
            reverse("admin:security_securitycheckrun_change", args=[scored.pk]) if scored else ""
        ),
    }
