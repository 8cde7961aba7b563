"""``GET /metrics``: every series' latest value in the Prometheus text format (0.0.4).

Scraped with a user's API token (``Authorization: Bearer ek_…``) whose role may view metric
series (``monitoring.view_series``). Only series with a sample in the last 10 minutes appear;
the value is exposed without a timestamp, as a gauge. ``host.cpu.percent`` becomes
``erpkeeper_host_cpu_percent{host="db1",…}``; the labels are ``host``, ``target`` (when the
series is about one) and the series' own labels (renamed ``exported_<name>`` when they clash).
The body is streamed a few hundred series at a time.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.views import APIView

from erpkeeper.accounts.authentication import ApiTokenAuthentication
from erpkeeper.lib.permissions import requires
from erpkeeper.monitoring.models import Series
from erpkeeper.monitoring.tsdb.query import with_latest

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FRESHNESS = dt.timedelta(minutes=10)
CHUNK = 500
INVALID_NAME_CHARACTERS = re.compile(r"[^a-zA-Z0-9_]")
RESERVED_LABELS = {"host", "target"}


@extend_schema(exclude=True)
class MetricsView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [requires("monitoring.view_series")]

    def get(self, request):
        response = StreamingHttpResponse(exposition(timezone.now()), content_type=CONTENT_TYPE)
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [path("metrics", MetricsView.as_view(), name="metrics")]


def exposition(now: dt.datetime):
    """The exposition text, in pieces: one metric family after another (the format wants each
    family's lines together, after its HELP and TYPE)."""
    series = (
        with_latest(Series.objects.select_related("host", "target"), now - FRESHNESS)
        .filter(last_time__isnull=False)
        .order_by("metric", "id")
    )
    current_family = None
    lines = []
    for item in series.iterator(chunk_size=CHUNK):
        name = prometheus_name(item.metric)
        if name != current_family:
            current_family = name
            lines.append(f"# HELP {name} {escape_help(describe(item))}\n")
            lines.append(f"# TYPE {name} gauge\n")
        lines.append(f"{name}{{{label_text(item)}}} {number(item.last_value)}\n")
        if len(lines) >= CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def prometheus_name(metric: str) -> str:
    return "erpkeeper_" + INVALID_NAME_CHARACTERS.sub("_", metric)


def describe(series: Series) -> str:
    return f"{series.metric} ({series.unit})" if series.unit else series.metric


def label_text(series: Series) -> str:
    labels = {"host": series.host.name}
    if series.target is not None:
        labels["target"] = series.target.name
    for key, value in sorted(series.labels.items()):
        name = label_name(key)
        labels["exported_" + name if name in RESERVED_LABELS else name] = value
    return ",".join(f'{key}="{escape_value(value)}"' for key, value in labels.items())


def label_name(key: str) -> str:
    # Leading underscores are stripped: names starting with __ are reserved for Prometheus.
    name = INVALID_NAME_CHARACTERS.sub("_", key).lstrip("_") or "label"
    return "_" + name if name[0].isdigit() else name


def escape_value(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))
