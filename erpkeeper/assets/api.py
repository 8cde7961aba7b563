"""/api/v1 for assets. Everything goes through ``assets.services``; bad input is a 400.

assets/                  CRUD; ?kind= &status= &site= &q=    GET …/{id}/health/, …/{id}/disks/
assets/import/           POST multipart ``file`` (.xlsx or .csv), ``dry_run``: all or nothing
assets/export/           GET ?format=xlsx|csv
assets/inventory/        POST by the agent with its host token (not a user's)
asset-sites/             CRUD                       asset-racks/  CRUD
asset-licences/          CRUD (the key is never returned; ``has_key`` says whether one is
                         set); POST …/{id}/set-key/ {"key"}: administrators only
asset-inspection-templates/   CRUD
asset-inspections/       list, create, read; POST …/{id}/record/ {"results": [{item,
                         outcome: ok|issue, note}], "note"}
asset-maintenance/       CRUD                       asset-replacements/ CRUD; …/budget/
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.assets import services
from erpkeeper.assets.filters import AssetFilterSet
from erpkeeper.assets.models import (
    Asset,
    Disk,
    Inspection,
    InspectionTemplate,
    MaintenanceEntry,
    Rack,
    ReplacementPlan,
    Site,
    SoftwareLicence,
)
from erpkeeper.assets.views import CONTENT_TYPES, MAX_UPLOAD
from erpkeeper.monitoring.tsdb.http import HostTokenAuthentication, IsHost
from erpkeeper.targets.models import Target


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class ServiceErrorsMixin:
    """Model validation (``full_clean`` in the services) answers 400, never 500."""

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except ValidationError as exc:
            return _bad_request(exc)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except ValidationError as exc:
            return _bad_request(exc)


class InUseMixin:
    """Deleting what other rows still need (a site with racks or assets, a template with
    inspections) is a 409 naming what holds it, not a 500."""

    def destroy(self, request, *args, **kwargs):
        try:
            return super().destroy(request, *args, **kwargs)
        except ProtectedError as exc:
            held = sorted({str(obj._meta.verbose_name) for obj in exc.protected_objects})
            return Response(
                {"detail": _("Still in use by: %(names)s") % {"names": ", ".join(held)}},
                status=status.HTTP_409_CONFLICT,
            )


class AssetSerializer(serializers.ModelSerializer):
    targets = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Target.objects.all(), required=False
    )

    class Meta:
        model = Asset
        fields = ["id", *services.ASSET_FIELDS, "targets", "health_score",
                  "health_reasons", "last_inventory_at", "created", "updated"]  # fmt: skip
        read_only_fields = ["health_score", "health_reasons", "last_inventory_at", "created",
                            "updated", "host"]  # fmt: skip


class DiskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Disk
        fields = ["id", "device", "model", "serial", "size_bytes", "smart_health",
                  "reallocated_sectors", "temperature_c", "power_on_hours",
                  "observed_at"]  # fmt: skip
        read_only_fields = fields


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


ImportAnswer = inline_serializer(
    "AssetImportAnswer",
    {
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "dry_run": serializers.BooleanField(),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
)
HealthAnswer = inline_serializer(
    "AssetHealth",
    {
        "score": serializers.IntegerField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
    },
)


class AssetViewSet(ServiceErrorsMixin, viewsets.ModelViewSet):
    """Hardware assets (servers, storage, network devices, UPS, workstations)."""

    queryset = (
        Asset.objects.select_related("site", "rack").prefetch_related("targets").order_by("pk")
    )
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    action_permissions = {"health": "view", "disks": "view", "import_file": "add", "export": "view"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        targets = data.pop("targets", None)
        serializer.instance = services.create_asset(targets=targets, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        targets = data.pop("targets", None)
        serializer.instance = services.update_asset(serializer.instance, targets=targets, **data)

    def perform_destroy(self, instance):
        services.delete_asset(instance)

    @extend_schema(responses={200: HealthAnswer})
    @action(detail=True, methods=["get"])
    def health(self, request, pk=None):
        asset = self.get_object()
        score = services.refresh_health(asset)
        reasons = [services.reason_text(r) for r in asset.health_reasons]
        return Response({"score": score, "reasons": reasons})

    @extend_schema(responses={200: DiskSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def disks(self, request, pk=None):
        return Response(DiskSerializer(self.get_object().disks.all(), many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={200: ImportAnswer, 400: ImportAnswer},
    )
    @action(detail=False, methods=["post"], url_path="import", url_name="import")
    def import_file(self, request):
        """Import an XLSX or CSV file: all rows or none; the errors name their rows."""
        given = ImportSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        if upload.size > MAX_UPLOAD:
            return Response({"detail": "the file is larger than 10 MB"}, status=413)
        try:
            report = services.import_assets(
                upload.read(),
                upload.name.rsplit(".", 1)[-1].lower(),
                dry_run=given.validated_data["dry_run"],
            )
        except ValidationError as exc:
            return _bad_request(exc)
        answer = {"created": report.created, "updated": report.updated,
                  "dry_run": report.dry_run, "errors": report.errors}  # fmt: skip
        return Response(answer, status=200 if report.ok else 400)

    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["xlsx", "csv"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request):
        # Not ?format=: DRF reads that one to choose its renderer.
        file_format = request.query_params.get("as", "xlsx")
        if file_format not in CONTENT_TYPES:
            return Response({"as": ["xlsx or csv"]}, status=400)
        response = HttpResponse(
            services.export_assets(file_format=file_format), content_type=CONTENT_TYPES[file_format]
        )
        filename = services.export_filename(file_format)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


InventoryAnswer = inline_serializer(
    "InventoryAnswer",
    {
        "asset": serializers.IntegerField(),
        "created": serializers.BooleanField(),
        "disks": serializers.IntegerField(),
        "health": serializers.IntegerField(),
    },
)


class InventoryViewSet(viewsets.ViewSet):
    """The agent's inventory report (its host token), creating or updating the host's asset."""

    authentication_classes = [HostTokenAuthentication]
    permission_classes = [IsHost]

    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: InventoryAnswer})
    def create(self, request):
        host = request.auth
        body = request.data if isinstance(request.data, dict) else {}
        if body.get("host") != host.name:
            return Response({"detail": "This token belongs to another host."}, status=401)
        try:
            result = services.record_inventory(host, body.get("inventory"))
        except ValidationError as exc:
            return _bad_request(exc)
        answer = {"asset": result.asset.pk, "created": result.created,
                  "disks": result.disks, "health": result.asset.health_score}  # fmt: skip
        return Response(answer, status=201 if result.created else 200)


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["id", "name", "address", "notes"]


class RackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rack
        fields = ["id", "site", "name", "units"]


class SiteViewSet(InUseMixin, viewsets.ModelViewSet):
    queryset = Site.objects.order_by("pk")
    serializer_class = SiteSerializer


class RackViewSet(InUseMixin, viewsets.ModelViewSet):
    queryset = Rack.objects.order_by("pk")
    serializer_class = RackSerializer


class LicenceSerializer(serializers.ModelSerializer):
    has_key = serializers.BooleanField(read_only=True)

    class Meta:
        model = SoftwareLicence
        fields = ["id", "product", "vendor", "seats", "expiry", "hosts", "notes", "has_key"]


class KeySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=4000, trim_whitespace=True)


class LicenceViewSet(ServiceErrorsMixin, viewsets.ModelViewSet):
    """Software licences; the key goes in through ``set-key`` and never comes out."""

    queryset = SoftwareLicence.objects.prefetch_related("hosts").order_by("pk")
    serializer_class = LicenceSerializer
    action_permissions = {"set_key": services.KEY_PERMISSION}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        hosts = data.pop("hosts", None)
        serializer.instance = services.save_licence(SoftwareLicence(**data), hosts=hosts)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        hosts = data.pop("hosts", None)
        for name, value in data.items():
            setattr(serializer.instance, name, value)
        serializer.instance = services.save_licence(serializer.instance, hosts=hosts)

    @extend_schema(request=KeySerializer, responses={200: LicenceSerializer})
    @action(detail=True, methods=["post"], url_path="set-key")
    def set_key(self, request, pk=None):
        licence = self.get_object()
        given = KeySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.set_licence_key(licence, given.validated_data["key"], actor=request.user)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=403)
        return Response(LicenceSerializer(licence).data)


class TemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionTemplate
        fields = ["id", "name", "asset_kind", "frequency_days", "checklist"]


class InspectionTemplateViewSet(InUseMixin, viewsets.ModelViewSet):
    queryset = InspectionTemplate.objects.order_by("pk")
    serializer_class = TemplateSerializer


class InspectionSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(read_only=True)
    results = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "asset", "template", "due_date", "state", "overdue", "done_at",
                  "inspector", "note", "results"]  # fmt: skip
        read_only_fields = ["state", "done_at", "inspector", "results"]

    def get_results(self, obj) -> list[dict]:
        return [{"item": r.item, "outcome": r.outcome, "note": r.note} for r in obj.results.all()]


class ResultSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=255)
    outcome = serializers.ChoiceField(["ok", "issue"])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RecordSerializer(serializers.Serializer):
    results = ResultSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Inspections; ``?overdue=true`` lists those past their date."""

    queryset = Inspection.objects.prefetch_related("results").order_by("due_date", "pk")
    serializer_class = InspectionSerializer
    action_permissions = {"record": "change"}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list" and self.request.query_params.get("overdue") == "true":
            queryset = queryset.filter(pk__in=services.overdue().values("pk"))
        return queryset

    @extend_schema(request=RecordSerializer, responses={200: InspectionSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        inspection = self.get_object()
        given = RecordSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.complete_inspection(
                inspection,
                given.validated_data["results"],
                actor=request.user,
                note=given.validated_data["note"],
            )
        except ValidationError as exc:
            return _bad_request(exc)
        inspection.refresh_from_db()
        return Response(InspectionSerializer(inspection).data)


class MaintenanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceEntry
        fields = ["id", "asset", "date", "kind", "note", "cost"]


class MaintenanceViewSet(viewsets.ModelViewSet):
    queryset = MaintenanceEntry.objects.order_by("-date", "-pk")
    serializer_class = MaintenanceSerializer


class ReplacementSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReplacementPlan
        fields = ["id", "asset", "quarter", "estimated_cost", "state", "reason", "created"]
        read_only_fields = ["created"]

    def validate_quarter(self, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 6 or not value[:4].isdigit() or value[4] != "Q" or value[5] not in "1234":
            raise serializers.ValidationError("a quarter such as 2027Q1")
        return value


BudgetRow = inline_serializer(
    "ReplacementBudgetRow",
    {
        "quarter": serializers.CharField(),
        "planned": serializers.DecimalField(max_digits=14, decimal_places=2),
        "done": serializers.DecimalField(max_digits=14, decimal_places=2),
        "count": serializers.IntegerField(),
    },
)


class ReplacementViewSet(viewsets.ModelViewSet):
    queryset = ReplacementPlan.objects.order_by("quarter", "pk")
    serializer_class = ReplacementSerializer
    action_permissions = {"budget": "view"}

    @extend_schema(responses={200: BudgetRow})
    @action(detail=False, methods=["get"])
    def budget(self, request):
        """The replacement budget per quarter: planned (proposed, approved, ordered) and done."""
        return Response(services.budget_by_quarter())


def register(router) -> None:
    # Before "assets": its detail route would take "inventory" for an id.
    router.register("assets/inventory", InventoryViewSet, basename="asset-inventory")
    router.register("assets", AssetViewSet, basename="asset")
    router.register("asset-sites", SiteViewSet, basename="asset-site")
    router.register("asset-racks", RackViewSet, basename="asset-rack")
    router.register("asset-licences", LicenceViewSet, basename="asset-licence")
    router.register(
        "asset-inspection-templates",
        InspectionTemplateViewSet,
        basename="asset-inspection-template",
    )
    router.register("asset-inspections", InspectionViewSet, basename="asset-inspection")
    router.register("asset-maintenance", MaintenanceViewSet, basename="asset-maintenance")
    router.register("asset-replacements", ReplacementViewSet, basename="asset-replacement")
