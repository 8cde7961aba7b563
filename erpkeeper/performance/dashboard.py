"""The performance advisor's part of the dashboard: a tile with the open findings (critical
ones in red), and a line on each target card with critical findings."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR
from erpkeeper.lib.dashboard import Board, Tile
from erpkeeper.performance.models import Finding, FindingState, Severity


def contribute(board: Board) -> None:
    if not board.user.has_perm("performance.view_finding"):
        return
    open_findings = Finding.objects.filter(state=FindingState.OPEN)
    total = open_findings.count()
    critical = open_findings.filter(severity=Severity.CRITICAL).count()
    color = BAD_COLOR if critical else (WARNING_COLOR if total else "")
    board.tiles.append(
        Tile(
            _("Performance findings"),
            total,
            subtitle=_("%(count)d critical") % {"count": critical},
            url=reverse("admin:performance_finding_changelist") + "?state__exact=open",
            color=color,
            testid="tile-performance",
            order=70,
        )
    )
    by_target = {}
    for target_id in open_findings.filter(severity=Severity.CRITICAL).values_list(
        "target_id", flat=True
    ):
        by_target[target_id] = by_target.get(target_id, 0) + 1
    for target_id, count in by_target.items():
        if target_id in board.cards:
            board.add_reason(
                target_id,
                "down",
                _("%(count)d critical performance findings") % {"count": count},
            )
