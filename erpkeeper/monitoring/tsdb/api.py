"""/api/v1 for metric storage: hosts, series, chart queries, and the agents' ingest endpoint.

GET/POST    hosts/                 POST answers the host's token, once
GET/DELETE  hosts/{id}/            POST hosts/{id}/rotate-token/
GET         metrics/series/        ?metric= &host= &target=   (with latest values)
GET         metrics/query/         ?series=1,2 &start= &end= &max_points=
POST        metrics/ingest/        Authorization: Bearer ekh_…   (a host token, see http.py)
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.lib.filters import MAX_ID
from erpkeeper.monitoring import services as monitoring_services
from erpkeeper.monitoring.filters import SeriesFilterSet
from erpkeeper.monitoring.models import Host, HostKind, Series
from erpkeeper.monitoring.tsdb import query
from erpkeeper.monitoring.tsdb.http import IngestViewSet, agent_command
from erpkeeper.monitoring.tsdb.ingest import MAX_LABELS

MAX_QUERY_SERIES = 200


@extend_schema_field(
    {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": MAX_LABELS}
)
class LabelsField(serializers.JSONField):
    """Any JSON in, checked by services.create_host (one message for the API and the CLI)."""


class HostSerializer(serializers.ModelSerializer):
    # Plain text in the schema: another model's "kind" enum would collide with this one's name.
    kind = serializers.ChoiceField(choices=HostKind.choices, default=HostKind.AGENT)
    targets = serializers.SlugRelatedField(
        slug_field="name", many=True, required=False, read_only=True
    )
    target_names = serializers.ListField(
        child=serializers.CharField(), write_only=True, required=False, help_text="target names"
    )
    labels = LabelsField(required=False, help_text='text to text, e.g. {"rack": "a"}')
    series_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Host
        fields = [
            "id",
            "name",
            "kind",
            "targets",
            "target_names",
            "labels",
            "interval_seconds",
            "last_seen",
            "last_batch_seq",
            "agent_version",
            "series_count",
            "created",
        ]
        read_only_fields = ["interval_seconds", "last_seen", "last_batch_seq", "agent_version"]
        extra_kwargs = {"name": {"validators": []}}  # checked once, by services.create_host


class HostCreatedSerializer(HostSerializer):
    token = serializers.CharField(read_only=True, help_text="shown once: only a hash is kept")
    agent_command = serializers.CharField(read_only=True)

    class Meta(HostSerializer.Meta):
        fields = [*HostSerializer.Meta.fields, "token", "agent_command"]


TokenSerializer = inline_serializer(
    "HostToken", {"token": serializers.CharField(), "agent_command": serializers.CharField()}
)


class HostViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Machines reporting metrics. Creating one returns its push token, once."""

    queryset = Host.objects.prefetch_related("targets").annotate(series_count=Count("series"))
    serializer_class = HostSerializer
    action_permissions = {"rotate_token": "change"}

    @extend_schema(responses={201: HostCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            host, token = monitoring_services.create_host(
                data["name"],
                kind=data["kind"],
                targets=data.get("target_names", ()),
                labels=data.get("labels"),
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        body = dict(HostSerializer(self.get_queryset().get(pk=host.pk)).data)
        body.update(token=token, agent_command=agent_command(host.name, token, request))
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        monitoring_services.remove_host(instance)

    @extend_schema(request=None, responses={200: TokenSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-token")
    def rotate_token(self, request, pk=None):
        """A new token for the host; the old one stops working at once."""
        host = self.get_object()
        token = monitoring_services.rotate_token(host)
        return Response({"token": token, "agent_command": agent_command(host.name, token, request)})


class SeriesSerializer(serializers.ModelSerializer):
    host = serializers.CharField(source="host.name", read_only=True)
    target = serializers.CharField(source="target.name", read_only=True, default=None)
    last_time = serializers.DateTimeField(read_only=True)
    last_value = serializers.FloatField(read_only=True)

    class Meta:
        model = Series
        fields = ["id", "metric", "labels", "unit", "host", "target", "last_time", "last_value"]


class SeriesViewSet(viewsets.ReadOnlyModelViewSet):
    """Metric series, each with its latest raw value."""

    queryset = Series.objects.select_related("host", "target")
    serializer_class = SeriesSerializer
    filterset_class = SeriesFilterSet

    def get_queryset(self):
        return query.with_latest(super().get_queryset()).order_by("metric", "id")


PointsSerializer = inline_serializer(
    "MetricPoints",
    {
        "resolution": serializers.CharField(help_text="raw, 1m, 10m or 1h"),
        "series": inline_serializer(
            "MetricSeriesPoints",
            {
                "id": serializers.IntegerField(),
                "points": serializers.ListField(
                    child=serializers.ListField(child=serializers.FloatField()),
                    help_text="[unix seconds, min, avg, max], oldest first",
                ),
            },
            many=True,
        ),
    },
)


class MetricQueryViewSet(viewsets.ViewSet):
    """Chart data: at most about max_points (time, min, avg, max) points per series."""

    required_permissions = ("monitoring.view_series",)

    @extend_schema(
        parameters=[
            OpenApiParameter("series", str, required=True, description="ids, e.g. 1,2,3"),
            OpenApiParameter("start", OpenApiTypes.STR, description="ISO 8601 or unix seconds"),
            OpenApiParameter("end", OpenApiTypes.STR, description="default now"),
            OpenApiParameter("max_points", int, description="default 600, at most 5000"),
        ],
        responses={200: PointsSerializer},
    )
    def list(self, request):
        try:
            series_ids, start, end, max_points = _query_arguments(request.query_params)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        known = list(Series.objects.filter(pk__in=series_ids).values_list("pk", flat=True))
        points = query.series_points(known, start, end, max_points)
        resolution = query.choose_resolution(end - start, max_points)
        return Response(
            {
                "resolution": {1: "raw", 60: "1m", 600: "10m", 3600: "1h"}[resolution],
                "series": [
                    {"id": sid, "points": [[t.timestamp(), lo, avg, hi] for t, lo, avg, hi in pts]}
                    for sid, pts in points.items()
                ],
            }
        )


def _query_arguments(params) -> tuple[list[int], dt.datetime, dt.datetime, int]:
    try:
        series_ids = [int(part) for part in params.get("series", "").split(",") if part.strip()]
    except ValueError:
        series_ids = None
    if series_ids is None or not all(0 <= sid <= MAX_ID for sid in series_ids):
        raise ValueError(_("series: give ids separated by commas, e.g. 1,2,3"))
    if not series_ids or len(series_ids) > MAX_QUERY_SERIES:
        raise ValueError(_("series: give 1 to %(max)d ids") % {"max": MAX_QUERY_SERIES})
    end = parse_moment(params.get("end"), "end") or timezone.now()
    start = parse_moment(params.get("start"), "start") or end - dt.timedelta(hours=1)
    if start >= end:
        raise ValueError(_("start must be before end"))
    try:
        max_points = min(max(int(params.get("max_points", 600)), 2), 5000)
    except ValueError:
        raise ValueError(_("max_points must be a whole number")) from None
    return series_ids, start, end, max_points


def parse_moment(text: str | None, name: str) -> dt.datetime | None:
    """Unix seconds or ISO 8601 (UTC when no offset is given)."""
    if not text:
        return None
    try:
        return dt.datetime.fromtimestamp(float(text), dt.UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_("%(name)s: give ISO 8601 or unix seconds") % {"name": name}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def register(router) -> None:
    router.register("hosts", HostViewSet, basename="host")
    router.register("metrics/series", SeriesViewSet, basename="metric-series")
    router.register("metrics/query", MetricQueryViewSet, basename="metric-query")
    router.register("metrics/ingest", IngestViewSet, basename="metric-ingest")
