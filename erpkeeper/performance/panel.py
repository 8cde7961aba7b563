"""The "Capacity" line above a target's page: the resource verdict, its first concern, and a
link to the report."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.lib.plugins import TargetPanel
from erpkeeper.performance.capacity_views import VIEW_PERMISSION
from erpkeeper.performance.services.capacity import capacity_summary
from erpkeeper.performance.services.capacity_report import VERDICT_COLOURS


def target_panel(request, target) -> TargetPanel | None:
    if not request.user.has_perm(VIEW_PERMISSION):
        return None
    summary = capacity_summary(target)
    context = {
        "verdict": summary.verdict,
        "colour": VERDICT_COLOURS[summary.verdict],
        "concern": summary.concerns[0] if summary.concerns else "",
        "more": max(len(summary.concerns) - 1, 0),
        "url": reverse("performance-capacity", args=[target.pk]),
    }
    return TargetPanel("capacity_panel", "performance/capacity/target_panel.html", context)
