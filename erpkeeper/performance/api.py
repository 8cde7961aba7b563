"""/api/v1/performance/: check runs, findings (accept, reopen), query insight, index
suggestions (advise on a given query, prove on a copy) and proofs; the code health routes are
in code_api.py.

Checks and proofs answer 202 with the queued job (follow it at /api/v1/jobs/<id>/). Bad input is
a 400 with the reason; a target whose database cannot be read a 422 saying why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
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
    code_api.register(router)
