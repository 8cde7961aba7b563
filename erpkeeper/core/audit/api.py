"""/api/v1/audit/: read the audit trail, verify its hash chain, export it as CSV (read-only)."""

from __future__ import annotations

import csv
import io

from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from erpkeeper.core import audit
from erpkeeper.core.audit.filters import AuditEntryFilterSet
from erpkeeper.core.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "sequence",
            "time",
            "actor_id",
            "actor_name",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


VerifySerializer = inline_serializer(
    "AuditVerifyResult",
    {
        "ok": serializers.BooleanField(),
        "checked": serializers.IntegerField(),
        "head": inline_serializer(
            "AuditChainHead",
            {
                "sequence": serializers.IntegerField(allow_null=True),
                "hash": serializers.CharField(),
            },
        ),
        "summary": serializers.CharField(),
        "problems": inline_serializer(
            "AuditProblem",
            {
                "kind": serializers.ChoiceField(
                    ["altered", "missing", "inserted", "broken", "renumbered", "anchor"]
                ),
                "sequence": serializers.IntegerField(),
                "message": serializers.CharField(),
            },
            many=True,
        ),
        "more_problems": serializers.IntegerField(),
    },
)


class CsvRenderer(BaseRenderer):
    """Lets clients ask for ``Accept: text/csv``; errors still come out readable."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        rows = data if isinstance(data, dict) else {"detail": data}
        writer = csv.writer(buffer)
        writer.writerow(list(rows))
        writer.writerow([rows[key] for key in rows])
        return buffer.getvalue().encode(self.charset)


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every recorded change, newest first. Nobody can change or delete entries."""

    queryset = AuditEntry.objects.order_by("-sequence")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    filtered_actions = ("list", "export")
    lookup_field = "sequence"
    lookup_value_regex = r"\d+"
    action_permissions = {"verify": "view", "export": "view"}

    @extend_schema(
        parameters=[
            OpenApiParameter("anchor", str, description="SEQUENCE:HASH kept from an earlier verify")
        ],
        responses=VerifySerializer,
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        """Walk the hash chain and name every altered, inserted or missing entry."""
        anchor = request.query_params.get("anchor")
        parsed = None
        if anchor:
            sequence, _, digest = anchor.partition(":")
            if not sequence.isdigit() or len(digest) != 64:
                raise serializers.ValidationError({"anchor": "expected SEQUENCE:HASH"})
            parsed = (int(sequence), digest.lower())
        return Response(audit.verify(anchor=parsed).as_dict())

    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CsvRenderer])
    def export(self, request):
        """The filtered entries as CSV, oldest first (streamed)."""
        entries = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(
            audit.csv_lines(entries), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response


def register(router) -> None:
    router.register("audit", AuditEntryViewSet, basename="audit")
