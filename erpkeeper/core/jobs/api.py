"""/api/v1/jobs: read job runs, cancel and retry them; start the history cleanup now.

Jobs are created by the domain endpoints that start work (e.g. ``POST /targets/{id}/check``),
never by a raw POST here. The list omits the log; ``GET /jobs/{id}/`` has it.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.housekeeping import MAX_KEEP_DAYS, queue_housekeeping
from erpkeeper.core.jobs import JobStateError, cancel, retry
from erpkeeper.core.jobs.filters import JobFilterSet
from erpkeeper.core.models import Job
from erpkeeper.lib.permissions import RolePermission, requires


class JobSerializer(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True, default=None)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    is_finished = serializers.BooleanField(read_only=True)
    duration_seconds = serializers.SerializerMethodField()
    params = serializers.DictField(
        source="shown_params",
        read_only=True,
        help_text="the job's parameters; an encrypted one (a database URL) shows only its name",
    )

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "target",
            "target_name",
            "status",
            "status_label",
            "is_finished",
            "progress",
            "progress_message",
            "params",
            "result",
            "error",
            "log",
            "requested_by",
            "requested_by_name",
            "cancel_requested",
            "cancelled_by_name",
            "created",
            "started",
            "finished",
            "heartbeat",
            "duration_seconds",
            "worker",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, job) -> float | None:
        """Seconds from start to end, or to now while running; null before it starts."""
        if not job.started:
            return None
        return round(((job.finished or timezone.now()) - job.started).total_seconds(), 3)


class JobSummarySerializer(JobSerializer):
    class Meta(JobSerializer.Meta):
        fields = [f for f in JobSerializer.Meta.fields if f not in ("log", "params", "result")]
        read_only_fields = fields


class JobActionPermission(RolePermission):
    """Cancel and retry change a job: they need ``core.change_job``, not ``add``."""

    perms_map = {**RolePermission.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class HousekeepingRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_KEEP_DAYS,
        help_text="keep this many days (default: ERPKEEPER_KEEP_HISTORY_DAYS; 0 keeps all)",
    )


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Job runs, newest first: status, progress, log, error and result of each."""

    queryset = Job.objects.select_related("target")
    serializer_class = JobSerializer
    filterset_class = JobFilterSet

    def get_serializer_class(self):
        return JobSummarySerializer if self.action == "list" else JobSerializer

    def get_permissions(self):
        if self.action == "housekeeping":  # it deletes old job runs
            return [requires("core.delete_job")()]
        if self.action in ("cancel", "retry"):
            return [JobActionPermission()]
        return super().get_permissions()

    @extend_schema(request=None, responses={200: JobSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel: a queued job ends at once, a running one at its next checkpoint."""
        try:
            job = cancel(self.get_object(), actor=request.user)
        except JobStateError as exc:
            return _conflict(exc)
        return Response(JobSerializer(job).data)

    @extend_schema(request=None, responses={201: JobSerializer, 409: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Queue a new job with the same kind, target and parameters (the old one must be over)."""
        try:
            job = retry(self.get_object(), actor=request.user)
        except JobStateError as exc:
            return _conflict(exc)
        except ValueError as exc:  # its kind is no longer registered
            return Response(
                {"error": "invalid", "detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HousekeepingRequestSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def housekeeping(self, request):
        """Delete finished job runs and sent notifications older than the kept history, now.
        Answers with the job; one already queued or running is reused."""
        body = HousekeepingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = queue_housekeeping(requested_by=request.user, days=body.validated_data.get("days"))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _conflict(exc: Exception) -> Response:
    return Response({"error": "conflict", "detail": str(exc)}, status=status.HTTP_409_CONFLICT)


def register(router) -> None:
    router.register("jobs", JobViewSet, basename="job")
