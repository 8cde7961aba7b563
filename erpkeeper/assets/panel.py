"""The "Runs on" line above a target's page: the host assets it runs on, with their health and
warranty end (a target runs on a host; the link is kept on the asset)."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.assets.models import Asset
from erpkeeper.lib.plugins import TargetPanel


def target_panel(request, target) -> TargetPanel | None:
    if not request.user.has_perm("assets.view_asset"):
        return None
    hosts = [
        {
            "name": asset.name,
            "url": reverse("admin:assets_asset_change", args=[asset.pk]),
            "health": asset.health_score,
            "warranty_end": asset.warranty_end,
        }
        for asset in Asset.objects.filter(targets=target).order_by("name")
    ]
    if not hosts:
        return None
    return TargetPanel("assets_panel", "assets/admin/target_panel.html", {"hosts": hosts})
