"""The ERP version panel above a target's page: the current version and the latest changes."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.changes.services.versions import summary
from erpkeeper.lib.plugins import TargetPanel


def target_panel(request, target) -> TargetPanel | None:
    if not request.user.has_perm("changes.view_versionsnapshot"):
        return None
    found = summary(target)
    if found is None:
        return None
    context = {**found, "url": reverse("changes-versions", args=[target.pk])}
    return TargetPanel("version_panel", "changes/version_panel.html", context)
