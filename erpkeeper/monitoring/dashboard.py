"""Monitoring's part of the dashboard: CPU and memory of the machine ERPKeeper runs on, over
the last hours (no panel when the embedded collector has not reported, rather than an empty one)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.lib.dashboard import Board, Panel
from erpkeeper.lib.sparkline import SPARK_SPAN, sparkline
from erpkeeper.lib.units import format_value
from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.monitoring.tsdb.query import find_series, latest, series_points


def contribute(board: Board) -> None:
    if not board.user.has_perm("monitoring.view_series"):
        return
    machine = machine_card()
    if machine is not None:
        board.context["machine"] = machine
        board.panels.append(Panel("monitoring/dashboard/machine.html", {"machine": machine}))


def machine_card(now: dt.datetime | None = None) -> dict | None:
    host = Host.objects.filter(kind=HostKind.EMBEDDED).order_by("pk").first()
    if host is None:
        return None
    now = now or timezone.now()
    rows = []
    for metric, title in (("host.cpu.percent", _("CPU")), ("host.memory.percent", _("Memory"))):
        series = find_series(metric=metric, host=host).filter(target__isnull=True).first()
        if series is None:
            continue
        points = series_points([series.pk], now - SPARK_SPAN, now, max_points=48)[series.pk]
        value = latest([series.pk]).get(series.pk)
        rows.append(
            {
                "title": title,
                "text": format_value(value[1] if value else None, "%"),
                "sparkline": sparkline([mean for _t, _low, mean, _high in points]),
            }
        )
    if not rows:
        return None
    return {"host": host, "rows": rows, "url": reverse("monitoring-host-charts", args=[host.pk])}
