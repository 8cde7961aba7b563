"""/api/v1 for backups: destinations, policies, backups (run, verify, restore), drills, runbooks.

Long work (backup, verify, restore, drill) answers 202 with the queued job; follow it at
/api/v1/jobs/<id>/. Requests that are unsafe or impossible are refused before anything is
queued: 400 for bad input, 409 when the state does not allow it, 422 for a refused restore.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.backups import services
from erpkeeper.backups.filters import BackupFilterSet, DrillFilterSet, RestoreFilterSet
from erpkeeper.backups.models import (
    Backup,
    BackupCopy,
    BackupPolicy,
    Destination,
    Drill,
    Restore,
    StorageKind,
)
from erpkeeper.backups.services.drills import render_report, report_filename, report_pdf
from erpkeeper.backups.services.policies import EDITABLE_FIELDS as POLICY_FIELDS
from erpkeeper.backups.services.requests import (
    NotVerifiable,
    request_backup,
    request_drill,
    request_restore,
    request_verify,
)
from erpkeeper.backups.services.runbook import build_runbook
from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.lib import dburl
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.targets.models import Target


class DestinationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=StorageKind.choices)
    secret_access_key = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="S3 secret; stored encrypted, never returned (has_secret tells if one is set)",
    )

    class Meta:
        model = Destination
        fields = [
            "id",
            "name",
            "kind",
            "path",
            "bucket",
            "prefix",
            "endpoint_url",
            "region",
            "access_key_id",
            "secret_access_key",
            "has_secret",
            "description",
            "last_checked",
            "last_check_ok",
            "last_check_error",
            "created",
            "updated",
        ]
        read_only_fields = [
            "last_checked",
            "last_check_ok",
            "last_check_error",
            "created",
            "updated",
        ]
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


class DestinationViewSet(viewsets.ModelViewSet):
    """Where backups are stored: local directories and S3-compatible buckets."""

    queryset = Destination.objects.all()
    serializer_class = DestinationSerializer
    action_permissions = {"check": "change"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            destination = services.create_destination(**serializer.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(destination).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        destination = self.get_object()
        serializer = self.get_serializer(destination, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        secret = data.pop("secret_access_key", None)
        try:
            services.update_destination(destination, secret_access_key=secret, **data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(destination).data)

    def destroy(self, request, *args, **kwargs):
        try:
            services.remove_destination(self.get_object())
        except ValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DestinationSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Write and remove a probe now; last_check_ok and last_check_error tell the result."""
        destination = self.get_object()
        services.check_destination(destination)
        return Response(self.get_serializer(destination).data)


class BackupPolicySerializer(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True)
    drill_database_url = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        help_text="another server for drills' scratch databases; empty: next to the original",
    )
    backup_cron = serializers.CharField(read_only=True)

    class Meta:
        model = BackupPolicy
        fields = [
            "id",
            "target",
            "target_name",
            "backup_cron",
            "auto_hour",
            "auto_hour_computed",
            "auto_hour_basis",
            *POLICY_FIELDS,
            "drill_database_url",
            "updated",
        ]
        read_only_fields = [
            "target",
            "auto_hour",
            "auto_hour_computed",
            "auto_hour_basis",
            "updated",
        ]


class BackupPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """One policy per target (created with the target): schedule, scope, retention, drills."""

    queryset = BackupPolicy.objects.select_related("target")
    serializer_class = BackupPolicySerializer
    action_permissions = {"runbook": "view"}

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        policy = self.get_object()
        serializer = self.get_serializer(policy, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        drill_url = data.pop("drill_database_url", None)
        try:
            services.update_policy(policy, drill_database_url=drill_url, **data)
        except (ValidationError, dburl.DatabaseUrlError) as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(policy).data)

    @extend_schema(
        responses={
            200: inline_serializer(
                "Runbook",
                {
                    "target": serializers.CharField(),
                    "facts": serializers.ListField(child=serializers.DictField()),
                    "steps": serializers.ListField(child=serializers.DictField()),
                },
            )
        }
    )
    @action(detail=True, methods=["get"])
    def runbook(self, request, pk=None):
        """The target's disaster-recovery runbook, generated from its configuration."""
        return Response(build_runbook(self.get_object().target).as_dict())


class BackupCopySerializer(serializers.ModelSerializer):
    destination = serializers.CharField(source="destination.name", allow_null=True)

    class Meta:
        model = BackupCopy
        fields = ["destination", "status", "stored_bytes", "error", "started", "finished"]


class BackupSerializer(serializers.ModelSerializer):
    destination_name = serializers.CharField(
        source="destination.name", read_only=True, allow_null=True
    )
    copies = BackupCopySerializer(many=True, read_only=True)
    duration_seconds = serializers.FloatField(read_only=True)

    class Meta:
        model = Backup
        fields = [
            "id",
            "target",
            "target_name",
            "trigger",
            "status",
            "destination",
            "destination_name",
            "location",
            "job",
            "started",
            "finished",
            "duration_seconds",
            "encrypted",
            "key_fingerprint",
            "raw_bytes",
            "stored_bytes",
            "repository_kind",
            "snapshot_id",
            "added_bytes",
            "verified_at",
            "verify_ok",
            "verify_error",
            "error",
            "copies",
            "manifest",
        ]
        read_only_fields = fields


class VerifyRequestSerializer(serializers.Serializer):
    read_data_percent = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=100,
        help_text="restic backups: the share of the repository's data to read (default 100)",
    )


class BackupRunSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())


class RestoreRequestSerializer(serializers.Serializer):
    to_url = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="database to restore into; empty: a new database next to the original",
    )
    replace = serializers.BooleanField(default=False)
    confirm = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="the target's name, required to replace its live database",
    )
    files_to = serializers.CharField(required=False, allow_blank=True)


class BackupViewSet(viewsets.ReadOnlyModelViewSet):
    """Backups of every target, newest first. POST starts one (202 with the job)."""

    queryset = Backup.objects.select_related("destination").prefetch_related("copies__destination")
    serializer_class = BackupSerializer
    action_permissions = {"create": "add", "verify": "change", "restore": "backups.restore_backup"}
    filterset_class = BackupFilterSet

    @extend_schema(request=BackupRunSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = BackupRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["target"]
        return _accepted(request_backup(target, requested_by=request.user).job)

    @extend_schema(request=VerifyRequestSerializer, responses={202: JobSummarySerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Re-read every artifact, compare checksums, decrypt to the end (restic: ``restic
        check`` reading ``read_data_percent`` of the data)."""
        backup = self.get_object()
        serializer = VerifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        share = serializer.validated_data.get("read_data_percent")
        try:
            asked = request_verify(backup, requested_by=request.user, read_data_percent=share)
            return _accepted(asked.job)
        except NotVerifiable as exc:
            return _conflict(str(exc))

    @extend_schema(request=RestoreRequestSerializer, responses={202: JobSummarySerializer})
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        """Restore into a new database (default) or, with replace and confirm, the original."""
        backup = self.get_object()
        serializer = RestoreRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            asked = request_restore(
                backup,
                data.get("to_url", ""),
                replace=data["replace"],
                confirm=data.get("confirm", ""),
                files_to=data.get("files_to", ""),
                requested_by=request.user,
            )
        except (services.RestoreRefused, dburl.DatabaseUrlError) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return _accepted(asked.job)


class RestoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Restore
        fields = [
            "id",
            "backup",
            "destination_masked",
            "replace",
            "safety_backup",
            "status",
            "job",
            "started",
            "finished",
            "error",
            "warnings",
        ]
        read_only_fields = fields


class RestoreViewSet(viewsets.ReadOnlyModelViewSet):
    """Restores done, newest first."""

    queryset = Restore.objects.all()
    serializer_class = RestoreSerializer
    filterset_class = RestoreFilterSet


class DrillSerializer(serializers.ModelSerializer):
    rto_met = serializers.BooleanField(read_only=True, allow_null=True)
    rpo_met = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Drill
        fields = [
            "id",
            "target",
            "target_name",
            "backup",
            "status",
            "job",
            "started",
            "finished",
            "rto_seconds",
            "rto_target_seconds",
            "rto_met",
            "rpo_seconds",
            "rpo_target_seconds",
            "rpo_met",
            "checks",
            "error",
        ]
        read_only_fields = fields


class DrillViewSet(viewsets.ReadOnlyModelViewSet):
    """Disaster-recovery drills: evidence that backups restore, with RTO and RPO measured."""

    queryset = Drill.objects.all()
    serializer_class = DrillSerializer
    action_permissions = {"create": "add", "report": "view"}
    filterset_class = DrillFilterSet

    @extend_schema(request=BackupRunSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = BackupRunSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["target"]
        return _accepted(request_drill(target, requested_by=request.user).job)

    @extend_schema(
        parameters=[
            OpenApiParameter("as", str, enum=["html", "pdf"], description="html (default) or pdf")
        ],
        responses={(200, "text/html"): str, (200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """The drill's report as a printable HTML file or a PDF (the archived evidence)."""
        drill = self.get_object()
        wanted = request.query_params.get("as", "html")
        if wanted not in ("html", "pdf"):
            return Response({"as": ["html or pdf"]}, status=status.HTTP_400_BAD_REQUEST)
        # In the requesting user's language (the token's user's, activated on authentication).
        language = translation.get_language()
        if wanted == "pdf":
            try:
                response = HttpResponse(report_pdf(drill, language), content_type=PDF_CONTENT_TYPE)
            except PdfUnavailable as exc:
                return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        else:
            html = render_report(drill, language)
            response = HttpResponse(html, content_type="text/html; charset=utf-8")
        filename = report_filename(drill, wanted)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _accepted(job) -> Response:
    return Response(JobSummarySerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _conflict(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_409_CONFLICT)


def _bad_request(exc) -> Response:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    messages = getattr(exc, "messages", None) or [str(exc)]
    return Response({"detail": " ".join(messages)}, status=status.HTTP_400_BAD_REQUEST)


def register(router) -> None:
    router.register("backup-destinations", DestinationViewSet, basename="backup-destination")
    router.register("backup-policies", BackupPolicyViewSet, basename="backup-policy")
    router.register("backups", BackupViewSet, basename="backup")
    router.register("restores", RestoreViewSet, basename="restore")
    router.register("drills", DrillViewSet, basename="drill")
