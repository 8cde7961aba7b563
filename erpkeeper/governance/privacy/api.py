"""API of governance.privacy (registered by erpkeeper.governance.api), under /api/v1/privacy/:
scans (POST queues one: 202 with the job), findings, the data map of a target, retention
rules. Answers hold counts and columns only, never a value read from the ERP."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import re_path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.detectors import Confidence
from erpkeeper.governance.privacy.filters import (
    ColumnFindingFilterSet,
    PrivacyScanFilterSet,
    RetentionRuleFilterSet,
)
from erpkeeper.governance.privacy.models import (
    MAX_SAMPLE_SIZE,
    ColumnFinding,
    PrivacyScan,
    RetentionRule,
)
from erpkeeper.targets.models import Target


class ColumnFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnFinding
        fields = [
            "id",
            "scan",
            "table",
            "column",
            "model",
            "field",
            "category",
            "matched",
            "sampled",
            "non_empty",
            "match_rate",
            "rows_affected",
            "rows_past_retention",
            "hinted",
            "labelled",
            "confidence",
        ]


class PrivacyScanSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = PrivacyScan
        fields = [
            "id",
            "target",
            "target_name",
            "status",
            "started",
            "finished",
            "duration_seconds",
            "error",
            "sample_size",
            "full",
            "tables_scanned",
            "columns_scanned",
            "values_read",
            "bytes_read",
            "findings_count",
            "job",
        ]


class PrivacyScanDetailSerializer(PrivacyScanSerializer):
    findings = ColumnFindingSerializer(many=True, read_only=True)

    class Meta(PrivacyScanSerializer.Meta):
        fields = [*PrivacyScanSerializer.Meta.fields, "findings"]


class ScanRequestSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())
    sample_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_SAMPLE_SIZE, allow_null=True
    )
    full = serializers.BooleanField(required=False, default=False)


class PrivacyScanViewSet(viewsets.ReadOnlyModelViewSet):
    """Personal-data scans, newest first; one shows its findings per column. POST queues a
    scan of a target (sampled by default, ``full`` reads every row)."""

    queryset = PrivacyScan.objects.all()
    filterset_class = PrivacyScanFilterSet
    action_permissions = {"create": "add", "findings": "view"}

    def get_serializer_class(self):
        return PrivacyScanDetailSerializer if self.action == "retrieve" else PrivacyScanSerializer

    @extend_schema(request=ScanRequestSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = ScanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            asked = services.request_scan(
                data["target"],
                requested_by=request.user,
                sample_size=data.get("sample_size"),
                full=data.get("full", False),
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(JobSummarySerializer(asked.job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=ColumnFindingSerializer(many=True))
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        scan = self.get_object()
        rows = scan.findings.all().order_by("table", "column", "category")
        return Response(ColumnFindingSerializer(rows, many=True).data)


class ColumnFindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Every finding of every scan: a column, a category and counts."""

    queryset = ColumnFinding.objects.select_related("scan").order_by("-scan_id", "table", "column")
    serializer_class = ColumnFindingSerializer
    filterset_class = ColumnFindingFilterSet


class RetentionRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetentionRule
        fields = ["id", "category", "model", "days", "date_column", "note"]
        validators = []  # save_retention_rule says "already exists" in words


class RetentionRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """How long each category of personal data may be kept (per ERP model or for all)."""

    queryset = RetentionRule.objects.all()
    serializer_class = RetentionRuleSerializer
    filterset_class = RetentionRuleFilterSet

    def perform_create(self, serializer):
        serializer.instance = self._save(RetentionRule(**serializer.validated_data))

    def perform_update(self, serializer):
        rule = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(rule, key, value)
        serializer.instance = self._save(rule)

    def perform_destroy(self, instance):
        services.delete_retention_rule(instance)

    def _save(self, rule):
        try:
            return services.save_retention_rule(rule)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


class MapCategorySerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows_affected = serializers.IntegerField()
    rows_past_retention = serializers.IntegerField(allow_null=True)
    confidence = serializers.CharField()


class MapModelSerializer(serializers.Serializer):
    model = serializers.CharField()
    table = serializers.CharField()
    categories = MapCategorySerializer(many=True)


class DataMapSerializer(serializers.Serializer):
    target = serializers.CharField()
    scan = serializers.IntegerField(allow_null=True)
    scanned = serializers.DateTimeField(allow_null=True)
    models = MapModelSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())


class DataMapView(APIView):
    """Which ERP model holds which personal-data category, from the target's newest scan."""

    required_permissions = ("governance.view_privacyscan",)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "confidence", str, enum=Confidence.values, description="the lowest confidence"
            )
        ],
        responses=DataMapSerializer,
    )
    def get(self, request, target):
        found = get_object_or_404(Target, name=target)
        wanted = request.query_params.get("confidence", Confidence.LOW)
        if wanted not in Confidence.values:
            return Response(
                {"confidence": [f"choose one of {', '.join(Confidence.values)}"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        mapped = services.data_map(found, min_confidence=wanted)
        scan = mapped["scan"]
        data = {
            "target": found.name,
            "scan": scan.pk if scan else None,
            "scanned": scan.started if scan else None,
            "models": mapped["models"],
            "totals": mapped["totals"],
        }
        return Response(DataMapSerializer(data).data)


def register(router) -> None:
    router.register("privacy/scans", PrivacyScanViewSet, basename="privacy-scan")
    router.register("privacy/findings", ColumnFindingViewSet, basename="privacy-finding")
    router.register(
        "privacy/retention-rules", RetentionRuleViewSet, basename="privacy-retention-rule"
    )


urlpatterns = [
    re_path(r"^privacy/map/(?P<target>[^/]+)/$", DataMapView.as_view(), name="privacy-map")
]
