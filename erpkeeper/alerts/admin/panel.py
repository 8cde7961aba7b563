"""The "Monitoring" panel of a target's page: latest values with a sparkline of the last hours,
open alerts with Acknowledge / Resolve, when disks and the database will be full, and links
to the full charts."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.alerts import services
from erpkeeper.alerts.admin.common import SEVERITY_COLORS
from erpkeeper.alerts.models import AlertState
from erpkeeper.alerts.values import metric_unit
from erpkeeper.lib.admin import BAD_COLOR, OK_COLOR, WARNING_COLOR
from erpkeeper.lib.plugins import TargetPanel
from erpkeeper.lib.sparkline import SPARK_SPAN, sparkline
from erpkeeper.lib.units import format_value
from erpkeeper.monitoring import forecast
from erpkeeper.monitoring.models import Series
from erpkeeper.monitoring.tsdb.query import latest, series_points
from erpkeeper.monitoring.views import target_series

SPARK_POINTS = 48
# Older than this, a "latest" value says more about the collector than about the machine.
STALE_AFTER = dt.timedelta(minutes=5)
FORECAST_COLORS = {"critical": BAD_COLOR, "warning": WARNING_COLOR, "ok": OK_COLOR}
# The few numbers one wants on the target's page, in this order.
PANEL_METRICS = (
    "host.cpu.percent",
    "host.memory.percent",
    "host.disk.percent",
    "db.size_bytes",
    "db.connections",
    "erp.rpc.latency_seconds",
)


def metric_titles() -> dict[str, str]:
    # Built per call: the titles follow the language of the request.
    return {
        "host.cpu.percent": _("CPU"),
        "host.memory.percent": _("Memory"),
        "host.disk.percent": _("Disk %(mount)s"),
        "db.size_bytes": _("Database size"),
        "db.connections": _("DB connections"),
        "erp.rpc.latency_seconds": _("ERP RPC latency"),
    }


def target_panel(request, target) -> TargetPanel | None:
    """The monitoring panel above a target's page, for those who may see metrics."""
    if not request.user.has_perm("monitoring.view_series"):
        return None
    context = target_monitoring_context(request, target)
    return TargetPanel("monitoring_panel", "alerts/admin/target_panel.html", context)


def target_monitoring_context(request, target, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    user = request.user
    page_url = reverse("admin:targets_target_change", args=[target.pk])
    can_act = user.has_perm("alerts.change_alert")
    can_see_alerts = user.has_perm("alerts.view_alert")
    alerts = open_alerts(target) if can_see_alerts else []
    return {
        "tiles": latest_tiles(target, now),
        "alerts": [alert_row(alert, page_url, can_act) for alert in alerts],
        "can_see_alerts": can_see_alerts,
        "forecasts": [forecast_row(line) for line in forecast.target_forecasts(target, now)],
        "charts_url": reverse("monitoring-target-charts", args=[target.pk]),
        "alerts_url": reverse("admin:alerts_alert_changelist")
        + "?"
        + urlencode({"target__id__exact": target.pk}),
        "silence_url": _silence_url(target, page_url)
        if user.has_perm("alerts.add_silence")
        else "",
    }


# -- latest values --------------------------------------------------------------------------------


def latest_tiles(target, now: dt.datetime) -> list[dict]:
    """One tile per panel metric and line (disk per mount; connections summed over states)."""
    wanted = list(PANEL_METRICS)
    series = list(target_series(target).filter(metric__in=wanted).select_related("host"))
    groups: dict[tuple, list[Series]] = {}
    for one in sorted(series, key=lambda s: (wanted.index(s.metric), s.host.name, s.pk)):
        groups.setdefault(_tile_key(one), []).append(one)
    ids = [one.pk for one in series]
    values = latest(ids)
    points = series_points(ids, now - SPARK_SPAN, now, max_points=SPARK_POINTS)
    hosts = len({one.host_id for one in series})
    return [_tile(key, members, values, points, now, hosts) for key, members in groups.items()]


def _tile_key(series: Series) -> tuple:
    if series.metric == "db.connections":
        return (series.metric, series.target_id)  # one number: all states together
    return (series.metric, series.host_id, series.labels.get("mount", ""))


def _tile(key, members, values, points, now, hosts) -> dict:
    metric = key[0]
    first = members[0]
    newest = [values[one.pk] for one in members if one.pk in values]
    value = sum(v for _t, v in newest) if newest else None
    moment = max((t for t, _v in newest), default=None)
    title = metric_titles()[metric] % {"mount": first.labels.get("mount", "")}
    if hosts > 1 and first.target_id is None:
        title = f"{title} · {first.host.name}"
    return {
        "title": title,
        "metric": metric,
        "value": value,
        "text": format_value(value, metric_unit(metric, first)),
        "stale": moment is None or now - moment > STALE_AFTER,
        "time": moment,
        "sparkline": sparkline(_summed(members, points)),
    }


def _summed(members, points) -> list[float]:
    """Average per bucket of one series, or the sum over several (connections by state)."""
    by_time: dict = {}
    for one in members:
        for moment, _low, mean, _high in points.get(one.pk, []):
            by_time[moment] = by_time.get(moment, 0.0) + mean
    return [by_time[moment] for moment in sorted(by_time)]


# -- alerts and forecasts -------------------------------------------------------------------------


def open_alerts(target) -> list:
    return list(services.alerts_for_target(target).exclude(state=AlertState.RESOLVED)[:20])


def alert_row(alert, page_url: str, can_act: bool) -> dict:
    back = "?" + urlencode({"next": page_url})
    return {
        "alert": alert,
        "color": SEVERITY_COLORS.get(alert.severity, "#64748b"),
        "url": reverse("admin:alerts_alert_change", args=[alert.pk]),
        "acknowledge_url": reverse("admin:alerts_alert_acknowledge", args=[alert.pk]) + back
        if can_act and alert.acknowledged_at is None
        else "",
        "resolve_url": reverse("admin:alerts_alert_resolve", args=[alert.pk]) + back
        if can_act
        else "",
    }


def forecast_row(line: forecast.DiskForecast) -> dict:
    series = line.series
    if series.metric == forecast.DB_SIZE_METRIC:
        what = _("Database")
    else:
        what = _("Disk %(mount)s on %(host)s") % {"mount": line.what, "host": series.host.name}
    if not line.enough_history:
        text = _("too little history yet")
    elif line.days is None and not line.limit_known:
        text = _("unknown: its disk is not monitored")
    elif line.days is None:
        text = _("not growing")
    elif line.days < 1:
        text = _("full within a day")
    else:
        text = _("full in %(days)d days") % {"days": int(line.days)}
    return {"what": what, "text": text, "state": line.state, "color": FORECAST_COLORS[line.state]}


def _silence_url(target, page_url: str) -> str:
    query = urlencode({"target": target.pk, "next": page_url})
    return reverse("admin:alerts_silence_silence") + "?" + query
