"""/api/v1/targets: the same operations as the console and the CLI, through the services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.targets import adapters, services
from erpkeeper.targets.models import Environment, Target

# Removing a target: what to do with its backups (kept unless deleting them is asked for).
BACKUP_CHOICES = ("keep", "delete")


@extend_schema_field(OpenApiTypes.STR)
class MaintenanceWindowField(serializers.Field):
    """A window in its text form, e.g. ``sun 02:00 4h Asia/Shanghai``."""

    def to_representation(self, value):
        return str(value)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("a window is a string like 'sun 02:00 4h UTC'")
        return data


class MaintenanceWindowListField(serializers.ListField):
    child = MaintenanceWindowField()

    def to_representation(self, data):
        windows = data.all() if hasattr(data, "all") else data
        return [str(window) for window in windows]


class TargetSerializer(serializers.ModelSerializer):
    database_url = serializers.CharField(
        write_only=True,
        required=False,
        help_text="sqlite:////path/erp.sqlite or postgresql://user:password@host:port/db; "
        "stored encrypted, returned masked as database_url_masked",
        style={"input_type": "password"},
    )
    kind = serializers.CharField(default="tryton")
    environment = serializers.ChoiceField(choices=Environment.choices, default="production")
    maintenance_windows = MaintenanceWindowListField(
        required=False, help_text="e.g. ['sun 02:00 4h UTC']"
    )
    verify = serializers.BooleanField(
        write_only=True, default=True, help_text="connect read-only before saving (on create)"
    )

    class Meta:
        model = Target
        fields = [
            "id",
            "name",
            "kind",
            "database_url",
            "database_url_masked",
            "database_engine",
            "file_store_path",
            "erp_server_url",
            "host_name",
            "environment",
            "rpo_minutes",
            "rto_minutes",
            "description",
            "maintenance_windows",
            "verify",
            "last_checked",
            "last_check_ok",
            "last_check_error",
            "facts",
            "created",
            "updated",
        ]
        read_only_fields = [
            "database_url_masked",
            "database_engine",
            "last_checked",
            "last_check_ok",
            "last_check_error",
            "facts",
            "created",
            "updated",
        ]
        # Uniqueness and the other rules are checked by the services, once, for every interface.
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}

    def validate(self, attrs):
        if self.instance is None and not attrs.get("database_url"):
            raise serializers.ValidationError({"database_url": "This field is required."})
        return attrs


class TargetCheckSerializer(serializers.Serializer):
    target = serializers.CharField()
    reachable = serializers.BooleanField()
    facts = serializers.DictField(required=False)
    error = serializers.CharField(required=False)
    detail = serializers.CharField(required=False)


class TargetViewSet(viewsets.ModelViewSet):
    """ERP instances under care. Creating one checks it read-only first unless verify=false."""

    queryset = Target.objects.prefetch_related("maintenance_windows")
    serializer_class = TargetSerializer
    # A check is a read-only probe: whoever may see a target may check it.
    action_permissions = {"check": "view", "kinds": "view"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        verify = data.pop("verify", True)
        windows = data.pop("maintenance_windows", None)
        try:
            target = services.add_target(windows=windows, verify=verify, **data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        except services.TargetCheckFailed as exc:
            body = {"error": exc.result.error_code, "detail": exc.result.error}
            return Response(body, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        return Response(self.get_serializer(target).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        target = self.get_object()
        serializer = self.get_serializer(target, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("verify", None)
        windows = data.pop("maintenance_windows", None)
        try:
            services.update_target(target, windows=windows, **data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(target).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "backups",
                str,
                enum=["keep", "delete"],
                description="what to do with the target's backups: keep them (the default; "
                "they stay restorable into a given database) or delete them",
            )
        ],
        responses={204: None, 400: None, 409: None},
    )
    def destroy(self, request, *args, **kwargs):
        """Stop caring for a target (the ERP is untouched); its backups stay unless
        ``?backups=delete``. 409 when they could not be deleted (nothing was removed)."""
        choice = request.query_params.get("backups", "keep")
        if choice not in BACKUP_CHOICES:
            detail = _("Choose keep or delete.")
            return Response({"backups": [detail]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            services.remove_target(self.get_object(), delete_backups=choice == "delete")
        except services.TargetRemovalFailed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: TargetCheckSerializer, 422: TargetCheckSerializer})
    @action(detail=True, methods=["post"])
    def check(self, request, pk=None):
        """Connect read-only now; 422 with a one-line reason when the ERP cannot be read."""
        result = services.check_target(self.get_object())
        code = status.HTTP_200_OK if result.ok else status.HTTP_422_UNPROCESSABLE_ENTITY
        return Response(result.as_dict(), status=code)

    @extend_schema(
        responses={
            200: inline_serializer(
                "ErpKind",
                {"kind": serializers.CharField(), "label": serializers.CharField()},
                many=True,
            )
        }
    )
    @action(detail=False, methods=["get"])
    def kinds(self, request):
        """The ERP kinds an adapter exists for."""
        return Response([{"kind": k, "label": label} for k, label in adapters.kinds()])


def register(router) -> None:
    router.register("targets", TargetViewSet, basename="target")
