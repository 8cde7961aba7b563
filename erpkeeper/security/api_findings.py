"""/api/v1/security/ findings and check runs (registered by api.py):

GET  security/findings/?target=shop&state=open&kind=dormant   risky accounts, failed checks
POST security/findings/<id>/accept/ {"reason", "expires"}     accept until a date
GET  security/check-runs/?target=shop                          scored runs, newest first
GET  security/check-runs/<id>/                                 each check's outcome
POST security/check-runs/ {"target": "shop"}                   202 job; follow /api/v1/jobs/<id>/
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.security import services
from erpkeeper.security.filters import FindingFilterSet, SecurityCheckRunFilterSet
from erpkeeper.security.models import Finding, SecurityCheckRun
from erpkeeper.targets.models import Target


class SecurityFindingSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "target",
            "kind",
            "check_id",
            "subject",
            "severity",
            "detail",
            "owner",
            "state",
            "reason",
            "accepted_by",
            "expires",
            "first_seen",
            "last_seen",
            "fixed_at",
        ]
        read_only_fields = fields


class SecurityAcceptSerializer(serializers.Serializer):
    reason = serializers.CharField()
    expires = serializers.DateField(help_text="the acceptance ends after this date")
    owner = serializers.CharField(required=False, allow_blank=True, default="")


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Risky accounts and failed security checks of every target; accept one with a reason
    until a date (a later snapshot or check run that no longer finds it marks it fixed)."""

    queryset = Finding.objects.select_related("target")
    serializer_class = SecurityFindingSerializer
    filterset_class = FindingFilterSet
    action_permissions = {"accept": "change"}

    @extend_schema(request=SecurityAcceptSerializer, responses={200: SecurityFindingSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        finding = self.get_object()
        serializer = SecurityAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.accept_finding(
                finding,
                reason=serializer.validated_data["reason"],
                expires=serializer.validated_data["expires"],
                by=request.user.get_username(),
                owner=serializer.validated_data["owner"],
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(SecurityFindingSerializer(finding).data)


class SecurityCheckRunSerializer(serializers.ModelSerializer):
    change = serializers.SerializerMethodField(help_text="score change since the previous run")

    class Meta:
        model = SecurityCheckRun
        fields = [
            "id",
            "target",
            "target_name",
            "status",
            "job",
            "started",
            "finished",
            "error",
            "score",
            "change",
            "passed",
            "failed",
            "results",
        ]
        read_only_fields = fields

    def get_change(self, run) -> int | None:
        return services.score_change(run)


class SecurityCheckRequestSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())


class SecurityCheckRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Security check runs of every target, newest first, with the score and each check's
    outcome. POST runs the checks of a target as a job (202)."""

    queryset = SecurityCheckRun.objects.all()
    serializer_class = SecurityCheckRunSerializer
    filterset_class = SecurityCheckRunFilterSet

    def retrieve(self, request, pk=None):
        run = self.get_object()
        data = SecurityCheckRunSerializer(run).data
        data["results"] = services.describe_results(run)
        return Response(data)

    @extend_schema(request=SecurityCheckRequestSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = SecurityCheckRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asked = services.request_checks(
            serializer.validated_data["target"], requested_by=request.user
        )
        return Response(JobSummarySerializer(asked.job).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("security/findings", FindingViewSet, basename="security-finding")
    router.register("security/check-runs", SecurityCheckRunViewSet, basename="security-check-run")
