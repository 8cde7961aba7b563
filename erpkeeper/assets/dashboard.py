"""The assets' dashboard tile: assets in use, with warranties ending within 30 days, overdue
inspections and replacements proposed."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.assets.models import Asset, AssetStatus, PlanState, ReplacementPlan
from erpkeeper.assets.services import overdue
from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR
from erpkeeper.lib.dashboard import Board, Tile

SOON = dt.timedelta(days=30)


def contribute(board: Board) -> None:
    if not board.user.has_perm("assets.view_asset"):
        return
    today = timezone.localdate()
    in_use = Asset.objects.filter(status=AssetStatus.IN_USE)
    counts = {
        "warranty": in_use.filter(warranty_end__gte=today, warranty_end__lte=today + SOON).count(),
        "overdue": overdue(today).count(),
        "proposed": ReplacementPlan.objects.filter(state=PlanState.PROPOSED).count(),
    }
    color = BAD_COLOR if counts["overdue"] else (WARNING_COLOR if counts["warranty"] else "")
    board.tiles.append(
        Tile(
            title=_("Assets in use"),
            value=in_use.count(),
            subtitle=_(
                "warranty ending within 30 days: %(warranty)d · inspections overdue: "
                "%(overdue)d · replacements proposed: %(proposed)d"
            )
            % counts,
            url=reverse("admin:assets_asset_changelist"),
            color=color,
            testid="tile-assets",
            order=70,
        )
    )
