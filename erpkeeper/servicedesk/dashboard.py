"""The service desk's dashboard tile: active tickets, and how many are due soon or breached."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR
from erpkeeper.lib.dashboard import Board, Tile
from erpkeeper.servicedesk.models import SlaStatus, Ticket
from erpkeeper.servicedesk.services.tickets import ACTIVE


def contribute(board: Board) -> None:
    if not board.user.has_perm("servicedesk.view_ticket"):
        return
    counts = Ticket.objects.filter(status__in=ACTIVE).aggregate(
        active=Count("pk"),
        warning=Count("pk", filter=Q(sla_status=SlaStatus.WARNING)),
        breached=Count("pk", filter=Q(sla_status=SlaStatus.BREACHED)),
    )
    color = BAD_COLOR if counts["breached"] else (WARNING_COLOR if counts["warning"] else "")
    board.tiles.append(
        Tile(
            title=_("Active tickets"),
            value=counts["active"],
            subtitle=_("%(warning)d due soon, %(breached)d past their SLA") % counts,
            url=reverse("admin:servicedesk_ticket_changelist"),
            color=color,
            testid="tile-tickets",
            order=60,
        )
    )
