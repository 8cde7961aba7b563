"""Console pages with a host's or a target's metric charts, and the JSON they load their data
from (``series_points``: at most about 600 min/avg/max points per series, whatever the range).

    /monitoring/charts/host/<id>/      CPU, memory, disks, hardware health of a host
    /monitoring/charts/target/<id>/    the same for the target's hosts, plus database and ERP
    /monitoring/charts/data/           ?host=<id> | ?target=<id> | ?series=<id>…, &range=24h
                                       (or &start=…&end=… ISO times, for an alert's chart)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from erpkeeper.monitoring.models import Host, Series
from erpkeeper.monitoring.placement import hosts_running, targets_on
from erpkeeper.monitoring.tsdb.query import latest, series_points
from erpkeeper.targets.models import Target

VIEW_PERMISSION = "monitoring.view_series"
RANGES = {
    "1h": dt.timedelta(hours=1),
    "6h": dt.timedelta(hours=6),
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
}
# One hour: raw samples, so a new installation shows its first minutes at once (longer ranges
# read rollups, made every minute).
DEFAULT_RANGE = "1h"
# Raw samples arrive every 10 s: refreshing a month-long chart that often would only cost.
LIVE_RANGES = ("1h", "6h")
REFRESH_SECONDS = 10
MAX_POINTS = 600
MAX_SERIES = 40  # one request for an alert's or a page's charts, not a dump of the database


@dataclass(frozen=True)
class ChartSpec:
    """One chart: a metric, one line per series (per mount, per state, …)."""

    key: str
    title: str
    metric: str
    unit: str
    group: str  # system, database, erp, hardware
    label_key: str = ""  # the label naming each line

    @property
    def optional(self) -> bool:
        # Hardware sensors are absent on most virtual machines: no "not available" for those.
        return self.group == "hardware"


CHARTS = (
    ChartSpec("cpu", _("CPU"), "host.cpu.percent", "%", "system"),
    ChartSpec("memory", _("Memory"), "host.memory.percent", "%", "system"),
    ChartSpec("disk", _("Disk used, per mount"), "host.disk.percent", "%", "system", "mount"),
    ChartSpec("db_connections", _("DB connections"), "db.connections", "", "database", "state"),
    ChartSpec("db_size", _("Database size"), "db.size_bytes", "B", "database"),
    ChartSpec("rpc_latency", _("ERP RPC latency"), "erp.rpc.latency_seconds", "s", "erp"),
    ChartSpec("cron_failed", _("Failed cron jobs (last hour)"), "erp.cron.failed", "", "erp"),
    ChartSpec("queue", _("ERP queue backlog"), "erp.queue.backlog", "", "erp"),
    ChartSpec("temperature", _("Temperatures"), "hw.temperature.celsius", "°C", "hardware",
              "sensor"),
    ChartSpec("fans", _("Fans"), "hw.fan.rpm", "rpm", "hardware", "sensor"),
)  # fmt: skip
GROUPS = {
    "system": _("System"),
    "database": _("Database"),
    "erp": _("ERP"),
    "hardware": _("Hardware health"),
}
SMART_METRIC = "hw.smart.healthy"
CHART_BY_KEY = {chart.key: chart for chart in CHARTS}


# -- which series a page shows ---------------------------------------------------------------------


def host_series(host: Host) -> QuerySet:
    """The host's own metrics (CPU, disks, …); a target's series on it belong to the target."""
    return Series.objects.filter(host=host, target__isnull=True)


def target_series(target: Target) -> QuerySet:
    """The target's series plus the machine metrics of every host that runs it."""
    return Series.objects.filter(
        Q(target=target) | Q(host_id__in=hosts_running(target.pk), target__isnull=True)
    ).distinct()


def series_by_chart(series: QuerySet) -> dict[str, list[Series]]:
    metrics = {chart.metric: chart.key for chart in CHARTS}
    found: dict[str, list[Series]] = {chart.key: [] for chart in CHARTS}
    for one in series.filter(metric__in=metrics).select_related("host").order_by("pk"):
        found[metrics[one.metric]].append(one)
    return found


def line_label(series: Series, spec: ChartSpec | None, hosts: int) -> str:
    """What names a line: its label (mount, state, …), with the host when several report."""
    label = series.labels.get(spec.label_key, "") if spec and spec.label_key else ""
    if not label and not spec:
        label = str(series)
    parts = [series.host.name] if hosts > 1 or not label else []
    return " · ".join([*parts, label] if label else parts)


# -- the data --------------------------------------------------------------------------------------


def time_window(request) -> tuple[str, dt.datetime, dt.datetime]:
    """(range key, start, end) from ``range`` or from ISO ``start`` and ``end``."""
    start_text, end_text = request.GET.get("start"), request.GET.get("end")
    if start_text and end_text:
        start, end = parse_datetime(start_text), parse_datetime(end_text)
        if start is None or end is None or start.tzinfo is None or end <= start:
            raise ValueError("start and end must be ISO times with a time zone, start first")
        return "", start, end
    key = request.GET.get("range", DEFAULT_RANGE)
    if key not in RANGES:
        raise ValueError(f"range must be one of {', '.join(RANGES)}")
    end = timezone.now()
    return key, end - RANGES[key], end


def chart_payload(chart_series: dict[str, list[Series]], start, end) -> dict:
    """``{chart key: {unit, datasets: [{label, series, points: [[ms, min, avg, max]]}]}}``."""
    ids = [one.pk for lines in chart_series.values() for one in lines][:MAX_SERIES]
    points = series_points(ids, start, end, max_points=MAX_POINTS)
    charts = {}
    for key, lines in chart_series.items():
        spec = CHART_BY_KEY.get(key)
        hosts = len({one.host_id for one in lines})
        charts[key] = {
            "unit": spec.unit if spec else (lines[0].unit if lines else ""),
            "datasets": [
                {
                    "label": line_label(one, spec, hosts),
                    "series": one.pk,
                    "points": [_point(point) for point in points.get(one.pk, [])],
                }
                for one in lines
                if one.pk in points
            ],
        }
    return charts


def _point(point) -> list:
    moment, low, mean, high = point
    return [int(moment.timestamp() * 1000), _round(low), _round(mean), _round(high)]


def _round(value: float) -> float:
    # Bytes need no decimals and latencies need milliseconds: 4 significant digits after the
    # point are plenty for a chart and keep a 30-day answer small.
    return round(value, 4)


def chart_data(request):
    """The JSON behind every chart: the page's charts, or the given series (an alert's)."""
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    try:
        range_key, start, end = time_window(request)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc))
    chart_series = _requested_series(request)
    return JsonResponse(
        {
            "range": range_key,
            "start": int(start.timestamp() * 1000),
            "end": int(end.timestamp() * 1000),
            "refresh": REFRESH_SECONDS if range_key in LIVE_RANGES else 0,
            "charts": chart_payload(chart_series, start, end),
        }
    )


def _requested_series(request) -> dict[str, list[Series]]:
    if request.GET.get("host"):
        return series_by_chart(host_series(_get_or_404(Host, request.GET["host"])))
    if request.GET.get("target"):
        return series_by_chart(target_series(_get_or_404(Target, request.GET["target"])))
    ids = [value for value in request.GET.getlist("series") if value.isdigit()][:MAX_SERIES]
    if not ids:
        raise Http404("host, target or series is required")
    series = Series.objects.filter(pk__in=ids).select_related("host")
    return {"series": list(series)}


def _get_or_404(model, pk: str):
    if not pk.isdigit():
        raise Http404
    return get_object_or_404(model, pk=pk)


# -- the pages -------------------------------------------------------------------------------------


def chart_sections(chart_series: dict[str, list[Series]], *, with_smart=False) -> list[dict]:
    """The page's sections, each with its charts: available ones get a canvas, the others say
    "not available" (no made-up values); hardware only appears when it reports."""
    sections = []
    for group, title in GROUPS.items():
        charts = [
            {"spec": spec, "available": bool(chart_series[spec.key])}
            for spec in CHARTS
            if spec.group == group and (chart_series[spec.key] or not spec.optional)
        ]
        if charts or (group == "hardware" and with_smart):
            sections.append({"key": group, "title": title, "charts": charts})
    return sections


def smart_status(series: QuerySet) -> list[dict]:
    """Each disk's latest SMART verdict (1 passed, 0 failed)."""
    disks = list(series.filter(metric=SMART_METRIC).select_related("host"))
    values = latest([disk.pk for disk in disks])
    return [
        {
            "host": disk.host.name,
            "device": disk.labels.get("device", ""),
            "healthy": values[disk.pk][1] >= 1,
            "time": values[disk.pk][0],
        }
        for disk in disks
        if disk.pk in values
    ]


def _page(request, *, title, subject_query, series, links):
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied
    smart = smart_status(series)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "sections": chart_sections(series_by_chart(series), with_smart=bool(smart)),
        "smart": smart,
        "ranges": list(RANGES),
        "default_range": DEFAULT_RANGE,
        "live_ranges": list(LIVE_RANGES),
        "data_url": reverse("monitoring-chart-data") + "?" + subject_query,
        "links": links,
    }
    return TemplateResponse(request, "monitoring/charts.html", context)


def host_charts(request, pk: int):
    host = get_object_or_404(Host, pk=pk)
    links = [(_("Host settings"), reverse("admin:monitoring_host_change", args=[host.pk]))]
    links += [
        (target.name, reverse("monitoring-target-charts", args=[target.pk]))
        for target in targets_on(host)
    ]
    return _page(
        request,
        title=_("Monitoring: %(name)s") % {"name": host.name},
        subject_query=f"host={host.pk}",
        series=host_series(host),
        links=links,
    )


def target_charts(request, pk: int):
    target = get_object_or_404(Target, pk=pk)
    links = [(_("Target"), reverse("admin:targets_target_change", args=[target.pk]))]
    if request.user.has_perm("alerts.view_alert"):
        url = reverse("admin:alerts_alert_changelist") + f"?target__id__exact={target.pk}"
        links.append((_("Alerts"), url))
    links += [
        (host.name, reverse("monitoring-host-charts", args=[host.pk]))
        for host in Host.objects.filter(pk__in=hosts_running(target.pk))
    ]
    return _page(
        request,
        title=_("Monitoring: %(name)s") % {"name": target.name},
        subject_query=f"target={target.pk}",
        series=target_series(target),
        links=links,
    )
