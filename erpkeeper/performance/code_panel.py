"""The "Code health" line above a target's page: the newest review's score and its change
since the previous one, the module folders, and links to the review (with the trend chart)."""

from __future__ import annotations

from django.urls import reverse

from erpkeeper.lib.admin import when_text
from erpkeeper.lib.plugins import TargetPanel
from erpkeeper.performance import services
from erpkeeper.performance.models import CodeReview


def target_panel(request, target) -> TargetPanel | None:
    if not request.user.has_perm("performance.view_codereview"):
        return None
    folders = target.code_folders.count()
    newest = CodeReview.objects.filter(target=target).order_by("-started").first()
    if newest is None and not folders:
        return None  # a target without custom modules: nothing to say
    change = services.compare_to_previous(newest) if newest else None
    context = {
        "newest": newest,
        "when": when_text(newest.started) if newest else "",
        "change": change["score"] if change else None,
        "folders": folders,
        "review_url": reverse("admin:performance_codereview_newest", args=[target.pk]),
        "folders_url": reverse("admin:performance_codefolder_changelist")
        + f"?target__id__exact={target.pk}",
    }
    return TargetPanel("code_health_panel", "performance/admin/target_panel.html", context)
