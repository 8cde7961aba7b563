"""/api/v1/changes/: change requests, with one POST action per transition (submit, approve,
reject, schedule, start, complete, review, close, safety-backup, checklist). An illegal
transition is a 409 saying why, bad input a 400 naming the field, a caller outside the change
advisory board a 403.

/api/v1/change-templates/, /api/v1/blackout-windows/, /api/v1/release-notes/,
/api/v1/repositories/: plain lists. /api/v1/version-snapshots/ and /api/v1/pipeline-runs/ are
read-only. /api/v1/changes/calendar.ics is the iCal feed; /api/v1/changes/metrics/ the metrics.
/api/v1/changes/ci/<source>/ (generic, gitlab, github, jenkins) take CI webhooks (api_ci.py).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.changes import api_ci, services
from erpkeeper.changes.filters import ChangeRequestFilterSet, PipelineRunFilterSet
from erpkeeper.changes.models import (
    BlackoutWindow,
    ChangeRequest,
    ChangeTemplate,
    ChecklistItem,
    Decision,
    Outcome,
    PipelineRun,
    ReleaseNote,
    Repository,
    VersionSnapshot,
)
from erpkeeper.changes.services import calendar
from erpkeeper.changes.services.metrics import metrics
from erpkeeper.targets.models import Target


class ChecklistItemSerializer(serializers.ModelSerializer):
    done_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChecklistItem
        fields = ["id", "position", "text", "done", "done_by", "done_at"]
        read_only_fields = fields


class ChangeRequestSerializer(serializers.ModelSerializer):
    targets = serializers.SlugRelatedField(
        slug_field="name", queryset=Target.objects.all(), many=True, required=False
    )
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    checklist = ChecklistItemSerializer(many=True, read_only=True)
    checklist_steps = serializers.ListField(
        child=serializers.CharField(max_length=500), write_only=True, required=False
    )
    safety_backups = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "number",
            "title",
            "description",
            "change_type",
            "state",
            "template",
            "requester",
            "targets",
            "affected_assets",
            "risk_answers",
            "risk_score",
            "risk_level",
            "implementation_plan",
            "test_plan",
            "backout_plan",
            "requires_green_run",
            "planned_start",
            "planned_end",
            "submitted_at",
            "decided_at",
            "awaiting_approval_after_fact",
            "actual_start",
            "actual_end",
            "outcome",
            "implementation_notes",
            "review_success",
            "review_issues",
            "review_lessons",
            "reviewed_at",
            "go_no_go",
            "go_no_go_note",
            "checklist",
            "checklist_steps",
            "safety_backups",
            "created",
            "updated",
        ]
        read_only_fields = [
            name
            for name in fields
            if name not in services.requests.EDITABLE
            and name not in ("targets", "template", "checklist_steps")
        ]

    def get_safety_backups(self, obj) -> list[dict]:
        return [s.__dict__ for s in services.safety_status(obj)]


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScheduleSerializer(serializers.Serializer):
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(Outcome.choices)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    issues = serializers.CharField(required=False, allow_blank=True, default="")
    lessons = serializers.CharField(required=False, allow_blank=True, default="")


class TickSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    done = serializers.BooleanField(default=True)


def refused(exc: Exception) -> Response:
    """The answer to a refused operation: 400 (input), 403 (who), 409 (state)."""
    if isinstance(exc, ValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
    return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)


REFUSALS = (ValidationError, PermissionDenied, services.IllegalTransition)


class ChangeRequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Change requests; a draft is edited with PATCH, every later step is an action."""

    queryset = ChangeRequest.objects.select_related("requester", "template").prefetch_related(
        "targets", "checklist"
    )
    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    action_permissions = {
        "submit": "change",
        "approve": "approve",
        "reject": "approve",
        "schedule": "change",
        "start": "change",
        "complete": "change",
        "review": "change",
        "close": "change",
        "safety_backup": "change",
        "checklist": "change",
    }

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        try:
            change = services.create_change(
                requester=request.user,
                targets=data.pop("targets", []),
                template=data.pop("template", None),
                checklist=data.pop("checklist_steps", []),
                **data,
            )
        except ValidationError as exc:
            return refused(exc)
        return Response(self.get_serializer(change).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        change = self.get_object()
        given = self.get_serializer(change, data=request.data, partial=kwargs.get("partial"))
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        data.pop("template", None)
        data.pop("checklist_steps", None)
        try:
            services.update_change(change, targets=data.pop("targets", None), **data)
        except REFUSALS as exc:
            return refused(exc)
        return Response(self.get_serializer(change).data)

    def _step(self, operation, *args, **kwargs) -> Response:
        change = self.get_object()
        try:
            operation(change, *args, **kwargs)
        except REFUSALS as exc:
            return refused(exc)
        change.refresh_from_db()
        return Response(self.get_serializer(change).data)

    def _given(self, serializer_class):
        self.get_object()  # a missing change is a 404 before its body is read
        given = serializer_class(data=self.request.data)
        given.is_valid(raise_exception=True)
        return given.validated_data

    @extend_schema(request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(services.submit, actor=request.user)

    @extend_schema(request=DecisionSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        comment = self._given(DecisionSerializer)["comment"]
        return self._step(services.decide, request.user, Decision.APPROVE, comment)

    @extend_schema(request=DecisionSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        comment = self._given(DecisionSerializer)["comment"]
        return self._step(services.decide, request.user, Decision.REJECT, comment)

    @extend_schema(request=ScheduleSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        given = self._given(ScheduleSerializer)
        return self._step(
            services.schedule, given["planned_start"], given["planned_end"], request.user
        )

    @extend_schema(request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._step(services.start, request.user)

    @extend_schema(request=CompleteSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        given = self._given(CompleteSerializer)
        return self._step(services.complete, given["outcome"], given["notes"], request.user)

    @extend_schema(request=ReviewSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._step(services.review, actor=request.user, **self._given(ReviewSerializer))

    @extend_schema(request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._step(services.close, request.user)

    @extend_schema(request=None, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"], url_path="safety-backup")
    def safety_backup(self, request, pk=None):
        """Back every affected target up now (the loop does it before the window opens)."""
        return self._step(services.request_safety_backups, request.user)

    @extend_schema(request=TickSerializer, responses={200: ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def checklist(self, request, pk=None):
        """Tick a checklist step off (``done: false`` ticks it on again)."""
        change = self.get_object()
        given = self._given(TickSerializer)
        item = change.checklist.filter(pk=given["item"]).first()
        if item is None:
            return Response({"item": ["No such step on this change."]}, status=400)
        try:
            services.tick(item, given["done"], request.user)
        except REFUSALS as exc:
            return refused(exc)
        return Response(self.get_serializer(change).data)


class ChangeTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeTemplate
        fields = [
            "id",
            "name",
            "description",
            "implementation_plan",
            "test_plan",
            "backout_plan",
            "checklist",
            "risk_answers",
            "active",
        ]


class WithoutDeleteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Kept as history: a template or a note that changes used is deactivated, not deleted."""


class ChangeTemplateViewSet(WithoutDeleteViewSet):
    queryset = ChangeTemplate.objects.order_by("name")
    serializer_class = ChangeTemplateSerializer


class BlackoutWindowSerializer(serializers.ModelSerializer):
    targets = serializers.SlugRelatedField(
        slug_field="name", queryset=Target.objects.all(), many=True, required=False
    )

    class Meta:
        model = BlackoutWindow
        fields = ["id", "name", "start", "end", "all_targets", "targets", "reason"]

    def validate(self, attrs):
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": "The end must come after the start."})
        return attrs


class BlackoutWindowViewSet(viewsets.ModelViewSet):
    queryset = BlackoutWindow.objects.prefetch_related("targets").order_by("start")
    serializer_class = BlackoutWindowSerializer


class ReleaseNoteSerializer(serializers.ModelSerializer):
    change = serializers.SlugRelatedField(
        slug_field="number",
        queryset=ChangeRequest.objects.all(),
        required=False,
        allow_null=True,
    )

    class Meta:
        model = ReleaseNote
        fields = ["id", "product", "version", "notes", "known_issues", "link", "change", "created"]
        read_only_fields = ["created"]


class ReleaseNoteViewSet(WithoutDeleteViewSet):
    queryset = ReleaseNote.objects.select_related("change").order_by("product", "version")
    serializer_class = ReleaseNoteSerializer

    def perform_create(self, serializer):
        serializer.instance = services.save_release_note(
            ReleaseNote(**serializer.validated_data), self.request.user
        )

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except ValidationError as exc:
            return refused(exc)


class RepositorySerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())

    class Meta:
        model = Repository
        fields = ["id", "name", "target", "description"]


class RepositoryViewSet(viewsets.ModelViewSet):
    queryset = Repository.objects.select_related("target").order_by("name")
    serializer_class = RepositorySerializer


class VersionSnapshotSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = VersionSnapshot
        fields = [
            "id",
            "target",
            "taken",
            "erp_version",
            "previous_erp_version",
            "modules",
            "changes",
        ]
        read_only_fields = fields


class VersionSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """What each target ran, one row per change found (``?target=<id>``)."""

    queryset = VersionSnapshot.objects.select_related("target").order_by("-taken", "-pk")
    serializer_class = VersionSnapshotSerializer
    filterset_fields = ["target"]


class PipelineRunSerializer(serializers.ModelSerializer):
    change = serializers.SlugRelatedField(slug_field="number", read_only=True)
    target = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = PipelineRun
        fields = [
            "id",
            "source",
            "external_id",
            "repository",
            "branch",
            "commit",
            "status",
            "tests_total",
            "tests_failed",
            "tests_skipped",
            "url",
            "started",
            "finished",
            "received",
            "change",
            "target",
        ]
        read_only_fields = fields


class PipelineRunViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PipelineRun.objects.select_related("change", "target").order_by("-received", "-pk")
    serializer_class = PipelineRunSerializer
    filterset_class = PipelineRunFilterSet


class ChangeCalendarView(APIView):
    """Scheduled and running changes as an iCal (.ics) feed (``?target=<name>`` for one)."""

    required_permissions = ("changes.view_changerequest",)

    @extend_schema(
        parameters=[OpenApiParameter("target", str, description="a target's name")],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        name = request.query_params.get("target", "")
        target = Target.objects.filter(name=name).first() if name else None
        if name and target is None:
            return Response({"target": [f"No target {name}."]}, status=400)
        body = calendar.ical(target, request.build_absolute_uri("/"))
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="changes.ics"'
        return response


class ChangeMetricsView(APIView):
    """Failure rate, lead time, emergency share, changes per target, per month."""

    required_permissions = ("changes.view_changerequest",)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(metrics())


def register(router):
    router.register("changes", ChangeRequestViewSet, basename="change")
    router.register("change-templates", ChangeTemplateViewSet, basename="change-template")
    router.register("blackout-windows", BlackoutWindowViewSet, basename="blackout-window")
    router.register("release-notes", ReleaseNoteViewSet, basename="release-note")
    router.register("repositories", RepositoryViewSet, basename="repository")
    router.register("version-snapshots", VersionSnapshotViewSet, basename="version-snapshot")
    router.register("pipeline-runs", PipelineRunViewSet, basename="pipeline-run")


urlpatterns = [
    path("changes/calendar.ics", ChangeCalendarView.as_view(), name="changes-calendar-ics"),
    path("changes/metrics/", ChangeMetricsView.as_view(), name="changes-metrics-api"),
    *api_ci.urlpatterns,
]
