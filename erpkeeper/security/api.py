"""/api/v1/security/: access snapshots (take one: 202 with the job), what changed, SoD
conflicts with their paths, the simulation of a grant, and SoD rule sets.

    GET  security/snapshots/?target=shop          list (filters: security/filters.py)
    POST security/snapshots/ {"target": "shop"}   202 job; follow it at /api/v1/jobs/<id>/
    GET  security/snapshots/<id>/                 counts and summary
    GET  security/snapshots/<id>/diff/?from=<id>  changes since the previous (or given) snapshot
    GET  security/snapshots/<id>/conflicts/?user=LOGIN   (?as=pdf|xlsx: the evidence file)
    POST security/snapshots/simulate/ {"target", "user", "add_group" | "add_role"}
    GET/POST/PUT/PATCH/DELETE security/rulesets/ ; POST security/rulesets/validate/ {"text"}
    security/findings/ and security/check-runs/: api_findings.py
    security/campaigns/ and security/review-items/: api_reviews.py
    security/mitigations/ and security/exceptions/: api_mitigations.py
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.lib.exports import XLSX_CONTENT_TYPE
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.security import api_findings, api_mitigations, api_reviews, services
from erpkeeper.security.filters import AccessSnapshotFilterSet
from erpkeeper.security.models import AccessSnapshot, RuleSet
from erpkeeper.security.services.conflict_export import conflicts_filename, export_conflicts
from erpkeeper.security.sod.rules import RuleSetError
from erpkeeper.targets.models import Target


class AccessSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessSnapshot
        fields = [
            "id",
            "target",
            "target_name",
            "status",
            "job",
            "started",
            "finished",
            "error",
            "unchanged",
            "users",
            "active_users",
            "administrators",
            "groups",
            "roles",
            "model_access",
            "api_keys",
            "conflicts",
            "users_in_conflict",
            "critical_conflicts",
            "changes",
            "summary",
        ]
        read_only_fields = fields


class SnapshotRequestSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())


class SimulateSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())
    user = serializers.CharField(help_text="the ERP user's login")
    add_group = serializers.CharField(required=False, allow_blank=True, default="")
    add_role = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if bool(attrs["add_group"]) == bool(attrs["add_role"]):
            raise serializers.ValidationError("name either add_group or add_role")
        return attrs


CONFLICT_FILES = {"pdf": PDF_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def _detail(message, code=status.HTTP_404_NOT_FOUND) -> Response:
    return Response({"detail": str(message)}, status=code)


class AccessSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Access snapshots of every target, newest first. POST takes one (202 with the job)."""

    queryset = AccessSnapshot.objects.all()
    serializer_class = AccessSnapshotSerializer
    filterset_class = AccessSnapshotFilterSet
    action_permissions = {"diff": "view", "conflicts": "view", "simulate": "view"}

    @extend_schema(request=SnapshotRequestSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = SnapshotRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        asked = services.request_snapshot(
            serializer.validated_data["target"], requested_by=request.user
        )
        return Response(JobSummarySerializer(asked.job).data, status=status.HTTP_202_ACCEPTED)

    def _succeeded(self):
        snapshot = self.get_object()
        if snapshot.document_id is None:
            return None
        return snapshot

    @extend_schema(
        parameters=[OpenApiParameter("from", int, description="the older snapshot's id")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """What changed per user and per group since the previous (or ``from``) snapshot."""
        new = self._succeeded()
        if new is None:
            return _detail("this snapshot failed: it holds nothing to compare", 409)
        old_id = request.query_params.get("from", "")
        if old_id:
            old = (
                AccessSnapshot.objects.filter(
                    pk=int(old_id) if old_id.isdigit() else 0, target_name=new.target_name
                )
                .exclude(document=None)
                .first()
            )
        else:
            old = services.analysis.previous_snapshot(new)
        if old is None:
            return _detail("no earlier snapshot of this target to compare with")
        return Response(services.diff_snapshots(old, new))

    @extend_schema(
        parameters=[
            OpenApiParameter("user", str, description="only this ERP login"),
            OpenApiParameter(
                "as", str, enum=["json", "pdf", "xlsx"], description="a file instead of JSON"
            ),
        ],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def conflicts(self, request, pk=None):
        """SoD conflicts with the path of each side, administrators, conflicting roles and
        groups, the users x risks matrix, and what the rule set could not apply here."""
        snapshot = self._succeeded()
        if snapshot is None:
            return _detail("this snapshot failed: it holds no access data", 409)
        fmt = request.query_params.get("as", "json")
        if fmt != "json":
            return self._conflicts_file(snapshot, fmt)
        login = request.query_params.get("user", "")
        try:
            report = services.conflicts_report(snapshot, login=login, entities=not login)
        except services.NoRuleSet as exc:
            return _detail(exc, 409)
        return Response(report)

    def _conflicts_file(self, snapshot, fmt: str):
        if fmt not in CONFLICT_FILES:
            return Response({"as": ["json, pdf or xlsx"]}, status=400)
        try:
            body = export_conflicts(snapshot, fmt, translation.get_language())
        except services.NoRuleSet as exc:
            return _detail(exc, 409)
        except PdfUnavailable as exc:
            return _detail(exc, 503)
        response = HttpResponse(body, content_type=CONFLICT_FILES[fmt])
        filename = conflicts_filename(snapshot, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(request=SimulateSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def simulate(self, request):
        """The risks a grant would add, evaluated on the target's latest snapshot."""
        serializer = SimulateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            found = services.simulate_grant(
                data["target"], data["user"], add_group=data["add_group"], add_role=data["add_role"]
            )
        except (services.SnapshotMissing, services.UnknownName) as exc:
            return _detail(exc)
        except services.NoRuleSet as exc:
            return _detail(exc, 409)
        return Response(found)


class RuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleSet
        fields = ["id", "name", "erp_kind", "version", "text", "active", "updated"]
        read_only_fields = ["name", "erp_kind", "version", "updated"]


class RuleSetTextSerializer(serializers.Serializer):
    text = serializers.CharField()


class RuleSetViewSet(viewsets.ModelViewSet):
    """SoD rule sets (YAML). Saving checks the text; a newer version replaces the stored one."""

    queryset = RuleSet.objects.all()
    serializer_class = RuleSetSerializer
    action_permissions = {"validate": "view"}

    def _save(self, text: str, active: bool, instance=None, created_status=status.HTTP_201_CREATED):
        try:
            row, _created = services.load_ruleset(
                text, instance.name if instance else "", activate=active
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        if instance is not None and row.pk != instance.pk:
            return Response(
                {"text": ["the text names another rule set; POST it as a new one"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(RuleSetSerializer(row).data, status=created_status)

    def create(self, request):
        serializer = RuleSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._save(
            serializer.validated_data["text"], serializer.validated_data.get("active", True)
        )

    def update(self, request, pk=None, partial=False):
        instance = self.get_object()
        serializer = RuleSetSerializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        text = serializer.validated_data.get("text", instance.text)
        active = serializer.validated_data.get("active", instance.active)
        return self._save(text, active, instance, status.HTTP_200_OK)

    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(request=RuleSetTextSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def validate(self, request):
        """Check a rule set's text without storing it: 200 with its size, or 400 with one line
        per problem."""
        serializer = RuleSetTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            parsed = services.validate_ruleset_text(serializer.validated_data["text"], "text")
        except RuleSetError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "name": parsed.name,
                "version": parsed.version,
                "functions": len(parsed.functions),
                "risks": len(parsed.risks),
            }
        )


def register(router) -> None:
    router.register("security/snapshots", AccessSnapshotViewSet, basename="security-snapshot")
    router.register("security/rulesets", RuleSetViewSet, basename="security-ruleset")
    api_findings.register(router)
    api_mitigations.register(router)
    api_reviews.register(router)
