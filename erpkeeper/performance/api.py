"""/api/v1/performance/: check runs, findings (accept, reopen), query insight, index
suggestions (advise on a given query, prove on a copy), proofs and capacity (resource advice);
the code health routes are in code_api.py.

Checks and proofs answer 202 with the queued job (follow it at /api/v1/jobs/<id>/). Bad input is
a 400 with the reason; a target whose database cannot be read a 422 saying why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.performance import code_api, services
from erpkeeper.performance.filters import (
    CheckRunFilterSet,
    FindingFilterSet,
    IndexProofFilterSet,
    IndexSuggestionFilterSet,
    QueryStatFilterSet,
)
from erpkeeper.performance.models import (
    CheckRun,
    Finding,
    IndexProof,
    IndexSuggestion,
    QueryStat,
)
from erpkeeper.performance.services.capacity import DEFAULT_DAYS, MAX_DAYS, capacity_report
from erpkeeper.performance.services.capacity_report import report_filename, report_pdf
from erpkeeper.targets.models import Target


class CheckRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckRun
        fields = [
            "id",
            "target",
            "target_name",
            "engine",
            "status",
            "started",
            "finished",
            "error",
            "findings_count",
            "queries_count",
            "checks",
            "notes",
            "job",
        ]


class CheckRequestSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())


class FindingSerializer(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True)
    title = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()
    advice = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "target",
            "target_name",
            "check_id",
            "subject",
            "severity",
            "state",
            "title",
            "explanation",
            "advice",
            "numbers",
            "accepted_reason",
            "accepted_until",
            "first_seen",
            "last_seen",
            "fixed_at",
            "fixed_run",
            "last_run",
        ]

    def get_title(self, obj) -> str:
        return services.finding_title(obj)

    def get_explanation(self, obj) -> str:
        return services.finding_explanation(obj)

    def get_advice(self, obj) -> str:
        return services.finding_advice(obj)


class AcceptSerializer(serializers.Serializer):
    reason = serializers.CharField()
    until = serializers.DateTimeField(required=False, allow_null=True)


class QueryStatSerializer(serializers.ModelSerializer):
    class Meta:
        model = QueryStat
        fields = [
            "id",
            "run",
            "target",
            "fingerprint",
            "text",
            "source",
            "calls",
            "total_ms",
            "mean_ms",
            "rows",
            "cache_hit_ratio",
            "tables",
            "models_used",
        ]


class IndexSuggestionSerializer(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True)

    class Meta:
        model = IndexSuggestion
        fields = [
            "id",
            "target",
            "target_name",
            "table",
            "columns",
            "model",
            "ddl",
            "query_text",
            "fingerprint",
            "reason",
            "state",
            "created",
            "updated",
        ]


class AdviseSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())
    sql = serializers.CharField(help_text="one SELECT statement, with or without values")


class IndexProofSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndexProof
        fields = [
            "id",
            "suggestion",
            "target_name",
            "backup",
            "status",
            "started",
            "finished",
            "error",
            "before_ms",
            "after_ms",
            "before_median_ms",
            "after_median_ms",
            "speedup",
            "helps",
            "cost_before",
            "cost_after",
            "plan_before",
            "plan_after",
            "index_bytes",
            "query_run",
            "job",
        ]


class CheckRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Runs of the database checks; POST queues one for a target."""

    queryset = CheckRun.objects.all()
    serializer_class = CheckRunSerializer
    filterset_class = CheckRunFilterSet
    action_permissions = {"create": "add"}

    @extend_schema(request=CheckRequestSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = CheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["target"]
        return _accepted(services.request_check(target, requested_by=request.user).job)


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """What the checks found, with the explanation and the advice in the reader's language."""

    queryset = Finding.objects.select_related("target")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet
    action_permissions = {"accept": "change", "reopen": "change"}

    @extend_schema(request=AcceptSerializer, responses={200: FindingSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the finding with a reason, until an optional date."""
        finding = self.get_object()
        serializer = AcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.accept_finding(finding, user=request.user, **serializer.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(finding).data)

    @extend_schema(request=None, responses={200: FindingSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open an accepted finding again."""
        finding = self.get_object()
        try:
            services.reopen_finding(finding)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(finding).data)


class QueryStatViewSet(viewsets.ReadOnlyModelViewSet):
    """The queries each check run saw, by total time, with the ERP models behind them."""

    queryset = QueryStat.objects.all()
    serializer_class = QueryStatSerializer
    filterset_class = QueryStatFilterSet


class IndexSuggestionViewSet(viewsets.ReadOnlyModelViewSet):
    """Suggested indexes (never applied to production); POST advises on a given query; prove
    restores the newest backup into a scratch database and times the query there."""

    queryset = IndexSuggestion.objects.select_related("target")
    serializer_class = IndexSuggestionSerializer
    filterset_class = IndexSuggestionFilterSet
    action_permissions = {"create": "add", "prove": "change"}

    @extend_schema(request=AdviseSerializer, responses={200: IndexSuggestionSerializer(many=True)})
    def create(self, request):
        serializer = AdviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            found = services.advise_query(**serializer.validated_data)
        except services.AdviceRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(self.get_serializer(found, many=True).data)

    @extend_schema(request=None, responses={202: JobSummarySerializer})
    @action(detail=True, methods=["post"])
    def prove(self, request, pk=None):
        suggestion = self.get_object()
        return _accepted(services.request_proof(suggestion, requested_by=request.user).job)


class IndexProofViewSet(viewsets.ReadOnlyModelViewSet):
    """Proofs on restored copies: times before and after, plans, index size."""

    queryset = IndexProof.objects.all()
    serializer_class = IndexProofSerializer
    filterset_class = IndexProofFilterSet


class CapacityQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=DEFAULT_DAYS)
    # "as" is a Python keyword: the query parameter is read under this name.
    as_ = serializers.ChoiceField(choices=["json", "pdf"], default="json")

    def to_internal_value(self, data):
        wanted = {"days": data.get("days", DEFAULT_DAYS), "as_": data.get("as", "json")}
        try:
            return super().to_internal_value(wanted)
        except serializers.ValidationError as exc:
            detail = exc.detail
            if isinstance(detail, dict) and "as_" in detail:
                detail["as"] = detail.pop("as_")
            raise serializers.ValidationError(detail) from None


CAPACITY_PARAMETERS = [
    OpenApiParameter("days", int, description="the period, 1 to 365 days (30)"),
    OpenApiParameter("as", str, enum=["json", "pdf"], description="json (default) or pdf"),
]


class CapacityViewSet(viewsets.ViewSet):
    """Resource advice from monitoring's history: every target's verdict, or one target's
    report (by id or name) as JSON or PDF."""

    required_permissions = ("performance.view_finding",)
    lookup_value_regex = "[^/]+"

    @extend_schema(
        operation_id="api_v1_performance_capacity_list",
        parameters=CAPACITY_PARAMETERS[:1],
        responses={200: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        query = _capacity_query(request)
        reports = [capacity_report(t, query["days"]) for t in Target.objects.order_by("name")]
        return Response(
            [
                {"target": r.target.name, "verdict": r.verdict.value, "advice": _concerns(r)}
                for r in reports
            ]
        )

    @extend_schema(
        parameters=CAPACITY_PARAMETERS,
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, PDF_CONTENT_TYPE): bytes},
    )
    def retrieve(self, request, pk=None):
        query = _capacity_query(request)
        target = _target_by_id_or_name(pk)
        report = capacity_report(target, query["days"])
        if query["as_"] == "json":
            return Response(report.as_dict())
        try:
            pdf = report_pdf(report, translation.get_language())
        except PdfUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{report_filename(report, "pdf")}"'
        return response


def _capacity_query(request) -> dict:
    serializer = CapacityQuerySerializer(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _target_by_id_or_name(value: str) -> Target:
    lookup = {"pk": int(value)} if str(value).isdigit() else {"name": value}
    target = Target.objects.filter(**lookup).first()
    if target is None:
        raise NotFound()
    return target


def _concerns(report) -> list[str]:
    return [item.text for item in report.advice if item.verdict != "ok"]


def _accepted(job) -> Response:
    return Response(JobSummarySerializer(job).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("performance/runs", CheckRunViewSet, basename="performance-run")
    router.register("performance/findings", FindingViewSet, basename="performance-finding")
    router.register("performance/queries", QueryStatViewSet, basename="performance-query")
    router.register(
        "performance/suggestions", IndexSuggestionViewSet, basename="performance-suggestion"
    )
    router.register("performance/proofs", IndexProofViewSet, basename="performance-proof")
    router.register("performance/capacity", CapacityViewSet, basename="performance-capacity")
    code_api.register(router)
