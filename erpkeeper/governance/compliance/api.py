"""/api/v1/compliance/...: frameworks (``POST frameworks/load/`` a library file), requirements,
controls (``POST controls/{id}/evidence/`` a manual evidence file), results, assessments
(``POST assessments/run/`` queues an assessment job), exceptions.

Everything goes through ``compliance.services``; a bad file or field is a 400 naming it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import (
    Assessment,
    Control,
    ControlException,
    ControlResult,
    Framework,
    Requirement,
)

READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet)


class FrameworkSerializer(serializers.ModelSerializer):
    class Meta:
        model = Framework
        fields = [
            "id", "urn", "ref_id", "version", "name_zh", "name_en", "description_zh",
            "description_en", "provider", "locale", "source_name", "source_sha256", "builtin",
            "loaded_at",
        ]  # fmt: skip
        read_only_fields = fields


class RequirementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Requirement
        fields = [
            "id", "framework", "urn", "ref_id", "parent", "depth", "assessable", "name_zh",
            "name_en", "description_zh", "description_en", "order", "retired",
        ]  # fmt: skip
        read_only_fields = fields


class ControlSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Control
        fields = [
            "id", "ref", "name_zh", "name_en", "description_zh", "description_en", "owner",
            "collectors", "frequency", "requirements", "builtin", "created", "updated",
        ]  # fmt: skip
        read_only_fields = ["builtin", "created", "updated"]

    def validate_collectors(self, value):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError("a list of collector keys")
        return value


class ResultSerializer(serializers.ModelSerializer):
    control = serializers.SlugRelatedField(slug_field="ref", read_only=True)

    class Meta:
        model = ControlResult
        fields = [
            "id", "control", "target", "status", "summary", "evidence", "period_start",
            "period_end", "evaluated_at",
        ]  # fmt: skip
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    framework = serializers.SlugRelatedField(slug_field="ref_id", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id", "framework", "period_start", "period_end", "score", "counts", "statuses",
            "created",
        ]  # fmt: skip
        read_only_fields = fields


class ExceptionSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all()
    )

    class Meta:
        model = ControlException
        fields = ["id", "control", "owner", "reason", "expires_on", "created"]
        read_only_fields = ["created"]


class LoadSerializer(serializers.Serializer):
    file = serializers.FileField()


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    valid_until = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RunSerializer(serializers.Serializer):
    framework = serializers.SlugRelatedField(
        slug_field="ref_id", queryset=Framework.objects.all(), required=False, allow_null=True
    )


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class FrameworkViewSet(*READ):
    queryset = Framework.objects.order_by("ref_id")
    serializer_class = FrameworkSerializer
    action_permissions = {"load": "add"}

    @extend_schema(request=LoadSerializer, responses={201: FrameworkSerializer})
    @action(detail=False, methods=["post"])
    def load(self, request):
        """Load a library file (CISO Assistant's YAML format); a newer version updates."""
        given = LoadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        try:
            result = services.load_library(upload.read(), source_name=upload.name)
        except ValidationError as exc:
            return Response({"file": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        data = {**FrameworkSerializer(result.framework).data, "outcome": result.outcome}
        if result.update is not None:
            update = result.update
            data.update(added=update.added, removed=update.removed, changed=update.changed)
        created = result.outcome == services.Outcome.CREATED
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RequirementViewSet(*READ):
    queryset = Requirement.objects.order_by("framework", "order")
    serializer_class = RequirementSerializer
    filterset_fields = ["framework", "assessable", "retired"]


class ControlViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, *READ):
    queryset = Control.objects.select_related("owner").prefetch_related("requirements")
    serializer_class = ControlSerializer
    action_permissions = {"evidence": "change"}

    @extend_schema(request=EvidenceUploadSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        """Upload a manual evidence file that counts until ``valid_until``."""
        control = self.get_object()
        given = EvidenceUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        try:
            stored = services.add_manual_evidence(
                control,
                name=data["file"].name,
                content=data["file"].read(),
                valid_until=data["valid_until"],
                note=data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            return _bad_request(exc)
        body = {"id": stored.pk, "file_name": stored.file_name, "sha256": stored.sha256}
        return Response(body, status=status.HTTP_201_CREATED)


class ResultViewSet(*READ):
    queryset = ControlResult.objects.select_related("control").order_by("-evaluated_at", "pk")
    serializer_class = ResultSerializer
    filterset_fields = ["control", "target", "status"]


class AssessmentViewSet(*READ):
    queryset = Assessment.objects.select_related("framework").order_by("-created")
    serializer_class = AssessmentSerializer
    filterset_fields = ["framework"]
    action_permissions = {"run": "add"}

    @extend_schema(request=RunSerializer, responses={202: None})
    @action(detail=False, methods=["post"])
    def run(self, request):
        """Queue an assessment of one framework (``framework``: its ref_id) or of all."""
        given = RunSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        asked = services.request_assessment(
            given.validated_data.get("framework"), actor=request.user
        )
        body = {"job": asked.job.pk, "reused": asked.reused}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ExceptionViewSet(mixins.CreateModelMixin, *READ):
    queryset = ControlException.objects.select_related("owner").order_by("-created")
    serializer_class = ExceptionSerializer

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            exception = services.add_exception(**given.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(ExceptionSerializer(exception).data, status=status.HTTP_201_CREATED)


urlpatterns = []


def register(router) -> None:
    router.register("compliance/frameworks", FrameworkViewSet, basename="compliance-framework")
    router.register(
        "compliance/requirements", RequirementViewSet, basename="compliance-requirement"
    )
    router.register("compliance/controls", ControlViewSet, basename="compliance-control")
    router.register("compliance/results", ResultViewSet, basename="compliance-result")
    router.register("compliance/assessments", AssessmentViewSet, basename="compliance-assessment")
    router.register("compliance/exceptions", ExceptionViewSet, basename="compliance-exception")
