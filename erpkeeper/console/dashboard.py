"""The console's home page, composed from what the apps contribute.

The console draws one card per target (reachability and the ERP's facts, from targets) and asks
every app named in an AppConfig's ``dashboard`` ("module:function") to ``contribute(board)``:
add rows and reasons to target cards, summary tiles, and panels (a template with its context).
A card's colour is its worst reason, so an app that reports a problem turns it red or amber.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from erpkeeper.lib.admin import BAD_COLOR, MUTED_COLOR, OK_COLOR, WARNING_COLOR
from erpkeeper.lib.dashboard import Board, Tile
from erpkeeper.lib.plugins import collect, load
from erpkeeper.targets.models import Target

# Inline colours: unfold ships a pre-built Tailwind stylesheet without every colour class.
STATE_COLORS = {"ok": OK_COLOR, "warning": WARNING_COLOR, "down": BAD_COLOR, "unknown": MUTED_COLOR}
STATE_ICONS = {"ok": "check_circle", "warning": "warning", "down": "error", "unknown": "help"}
STATE_RANK = {"ok": 0, "unknown": 1, "warning": 2, "down": 3}


def dashboard_callback(request, context):
    can_see_targets = request.user.has_perm("targets.view_target")
    targets = list(Target.objects.all()) if can_see_targets else []
    board = Board(request, targets, cards={t.pk: _base_card(t) for t in targets})
    for target in targets:
        if target.last_check_ok is False and target.last_check_error:
            board.add_reason(target.pk, "down", target.last_check_error)
    if can_see_targets:
        board.tiles.append(Tile(_("Targets"), len(targets), order=10))
    for spec in collect("dashboard"):
        load(spec)(board)
    context.update(
        board.context,
        target_cards=[_finish(card) for card in board.cards.values()],
        can_see_targets=can_see_targets,
        can_add_target=request.user.has_perm("targets.add_target"),
        tiles=sorted(board.tiles, key=lambda tile: tile.order),
        panels=sorted(board.panels, key=lambda panel: panel.order),
    )
    return context


def _base_card(target: Target) -> dict:
    facts = target.facts or {}
    reachability = {True: "ok", False: "down", None: "unknown"}[target.last_check_ok]
    return {
        "target": target,
        "reachability": reachability,
        "reasons": [],
        "rows": [],
        "erp_version": facts.get("erp_version", ""),
        "db_engine": facts.get("db_engine", target.database_engine),
        "db_size": facts.get("db_size_bytes"),
        "users": (facts.get("counts") or {}).get("users"),
        "modules": len(facts.get("modules") or []),
        "url": reverse("admin:targets_target_change", args=[target.pk]),
    }


def _finish(card: dict) -> dict:
    """Order the reasons worst first and colour the card by the worst state."""
    reasons = card["reasons"]
    explained = any(not reason["unless_explained"] for reason in reasons)
    if explained or card["reachability"] != "ok":
        reasons = [reason for reason in reasons if not reason["unless_explained"]]
    reasons.sort(key=lambda reason: -STATE_RANK[reason["state"]])
    state = max(
        [card["reachability"], *(reason["state"] for reason in reasons)], key=STATE_RANK.get
    )
    return {
        **card,
        "reasons": reasons,
        "state": state,
        "color": STATE_COLORS[state],
        "icon": STATE_ICONS[state],
    }
