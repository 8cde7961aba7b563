"""The "ERP access" line above a target's page: the latest snapshot's counts and links."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.lib.admin import when_text
from erpkeeper.lib.plugins import TargetPanel
from erpkeeper.security.models import AccessSnapshot


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
    }
    return TargetPanel("security_panel", "security/admin/target_panel.html", context)
