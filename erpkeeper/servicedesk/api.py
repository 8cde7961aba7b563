"""/api/v1/tickets/: the agent desk's list (filtered, sorted; ``?saved=`` applies a saved
filter), opening a ticket, its detail with the conversation, and ``POST …/{id}/reply/``,
``…/assign/``, ``…/status/``. Files come as multipart ``attachments``.

/api/v1/problems/: problem records with their incidents; ``POST …/{id}/link/``, ``…/unlink/``,
``…/diagnosis/``, ``…/resolve/``, ``…/close/``.

/api/v1/mailboxes/ (api_mailboxes): the IMAP mailboxes polled for mail.
/api/v1/calendar-days/ (api_calendar): days off and adjusted working days the SLA clocks count.
/api/v1/servicedesk/reports/?from=…&to=…&queue=…: the desk's report for a period.

Everything goes through ``servicedesk.services``; bad input is a 400 naming the field.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.api_calendar import CalendarDayViewSet
from erpkeeper.servicedesk.api_mailboxes import MailboxViewSet
from erpkeeper.servicedesk.filters import ProblemFilterSet, TicketFilterSet
from erpkeeper.servicedesk.models import (
    Attachment,
    CannedReply,
    Level,
    Problem,
    Queue,
    Ticket,
    TicketCategory,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import IncomingFile, reports
from erpkeeper.targets.models import Target

LIST_RELATED = ("target", "queue", "assignee", "requester", "parent", "merged_into", "problem")


def _name(model, field="name", **kwargs):
    return serializers.SlugRelatedField(
        slug_field=field, queryset=model.objects.all(), required=False, allow_null=True, **kwargs
    )


class TicketSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", read_only=True)
    queue = serializers.SlugRelatedField(slug_field="name", read_only=True)
    assignee = serializers.SlugRelatedField(slug_field="username", read_only=True)
    requester = serializers.SlugRelatedField(slug_field="username", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True)
    merged_into = serializers.SlugRelatedField(slug_field="number", read_only=True)
    problem = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "subject",
            "kind",
            "category",
            "erp_module",
            "target",
            "impact",
            "urgency",
            "priority",
            "status",
            "queue",
            "assignee",
            "requester",
            "requester_email",
            "requester_name",
            "parent",
            "merged_into",
            "problem",
            "created",
            "updated",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "reopen_count",
            "first_response_due",
            "resolution_due",
            "sla_clock",
            "sla_status",
            "sla_due",
            "sla_paused_at",
            "csat_rating",
            "csat_comment",
        ]
        read_only_fields = fields


class TicketMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author_display", read_only=True)

    class Meta:
        model = TicketMessage
        fields = [
            "id",
            "kind",
            "author",
            "from_requester",
            "body",
            "via",
            "mail_state",
            "mail_error",
            "created",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "message", "file_name", "content_type", "size", "sha256", "created"]
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    messages = TicketMessageSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "messages", "attachments"]
        read_only_fields = fields


class TicketCreateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=255)
    body = serializers.CharField(help_text="the description: what happens, what was expected")
    category = serializers.ChoiceField(TicketCategory.choices, default=TicketCategory.OTHER)
    erp_module = serializers.CharField(max_length=64, required=False, default="")
    target = _name(Target, help_text="the affected target's name")
    impact = serializers.ChoiceField(Level.choices, default=Level.LOW)
    urgency = serializers.ChoiceField(Level.choices, default=Level.MEDIUM)
    queue = _name(Queue, help_text="the queue's name; default: the first queue")
    requester = _name(get_user_model(), "username", help_text="a platform user's name")
    requester_email = serializers.EmailField(required=False, default="")
    requester_name = serializers.CharField(max_length=150, required=False, default="")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, write_only=True
    )


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, default="")
    public = serializers.BooleanField(default=True, help_text="false: an internal note")
    canned = _name(CannedReply, help_text="a canned reply's name, used when body is empty")
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, write_only=True
    )


class AssignSerializer(serializers.Serializer):
    assignee = _name(get_user_model(), "username", help_text="the agent's user name; null: nobody")


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(TicketStatus.choices)


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


def _files(uploaded) -> list[IncomingFile]:
    return [IncomingFile(f.name, f.read(), getattr(f, "content_type", "")) for f in uploaded]


class TicketViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tickets: the most urgent first; ``?active=true&queue=Helpdesk&sla=warning,breached``."""

    queryset = Ticket.objects.select_related(*LIST_RELATED)
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    action_permissions = {"reply": "change", "assign": "change", "status": "change"}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("messages__author", "attachments")
        return queryset

    def filter_queryset(self, queryset):
        key = self.request.query_params.get("saved")
        if self.action != "list" or key is None:
            return super().filter_queryset(queryset)
        saved = services.find_saved_filter(self.request.user, key)
        return services.apply_saved_filter(saved, queryset, self.request.query_params)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "saved",
                str,
                description="a saved filter's id or name; other filters add to it",
            )
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self):
        return TicketDetailSerializer if self.action == "retrieve" else TicketSerializer

    @extend_schema(request=TicketCreateSerializer, responses={201: TicketDetailSerializer})
    def create(self, request, *args, **kwargs):
        given = TicketCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        files = _files(data.pop("attachments"))
        try:
            ticket = services.open_ticket(
                **data, via=Via.API, author=request.user, attachments=files
            )
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self._detail(ticket), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReplySerializer, responses={200: TicketDetailSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """A public reply (mailed to the requester) or, with ``public: false``, a note."""
        ticket = self.get_object()
        given = ReplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        body = data["body"]
        if not body.strip() and data.get("canned"):
            body = services.render_canned(data["canned"].body, ticket, request.user)
        try:
            services.reply(
                ticket,
                body,
                author=request.user,
                public=data["public"],
                via=Via.API,
                attachments=_files(data["attachments"]),
            )
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self._detail(ticket))

    @extend_schema(request=AssignSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        given = AssignSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if "assignee" not in request.data:
            return Response(
                {"assignee": ["Name the agent (null: nobody)."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            services.assign(ticket, given.validated_data.get("assignee"))
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(TicketSerializer(ticket).data)

    @extend_schema(request=StatusSerializer, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """new → open → waiting (SLA paused) → resolved → closed; resolved → open reopens."""
        ticket = self.get_object()
        given = StatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                services.change_status(ticket, given.validated_data["status"])
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(TicketSerializer(ticket).data)

    def _detail(self, ticket: Ticket) -> dict:
        fresh = self.get_queryset().prefetch_related("messages__author", "attachments")
        return TicketDetailSerializer(fresh.get(pk=ticket.pk)).data


class ProblemSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    targets = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    incidents = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "number",
            "title",
            "description",
            "status",
            "root_cause",
            "known_error",
            "workaround",
            "targets",
            "owner",
            "incidents",
            "created",
            "updated",
            "resolved_at",
            "closed_at",
        ]
        read_only_fields = fields


class ProblemDetailSerializer(ProblemSerializer):
    incidents = TicketSerializer(many=True, read_only=True)


class TicketNumbersSerializer(serializers.Serializer):
    tickets = serializers.ListField(
        child=serializers.CharField(), allow_empty=False, help_text="ticket numbers or ids"
    )

    def validate_tickets(self, value):
        return services.tickets_by_numbers(value)


class ProblemCreateSerializer(TicketNumbersSerializer):
    title = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    owner = _name(get_user_model(), "username", help_text="a user name; default: the caller")
    tickets = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="ticket numbers"
    )


class DiagnosisSerializer(serializers.Serializer):
    root_cause = serializers.CharField(required=False, allow_blank=True)
    known_error = serializers.CharField(required=False, allow_blank=True)
    workaround = serializers.CharField(required=False, allow_blank=True)
    tell_requesters = serializers.BooleanField(
        default=False, help_text="also send the workaround to the requesters as a public reply"
    )


class ProblemResolveSerializer(serializers.Serializer):
    resolve_incidents = serializers.BooleanField(default=False)
    reply = serializers.CharField(required=False, allow_blank=True, default="")


class ProblemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Problem records, newest first: ``?active=true&target=shop``."""

    queryset = Problem.objects.select_related("owner").prefetch_related(
        "targets", Prefetch("incidents", queryset=Ticket.objects.order_by("created", "pk"))
    )
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    action_permissions = {
        "link": "change",
        "unlink": "change",
        "diagnosis": "change",
        "resolve": "change",
        "close": "change",
    }

    def get_serializer_class(self):
        return ProblemDetailSerializer if self.action == "retrieve" else ProblemSerializer

    @extend_schema(request=ProblemCreateSerializer, responses={201: ProblemDetailSerializer})
    def create(self, request, *args, **kwargs):
        given = ProblemCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        problem = services.create_problem(
            title=data["title"],
            description=data["description"],
            tickets=data["tickets"],
            owner=data.get("owner") or request.user,
        )
        return Response(self._detail(problem), status=status.HTTP_201_CREATED)

    @extend_schema(request=TicketNumbersSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        return self._tickets(request, services.link)

    @extend_schema(request=TicketNumbersSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def unlink(self, request, pk=None):
        return self._tickets(request, services.unlink)

    @extend_schema(request=DiagnosisSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def diagnosis(self, request, pk=None):
        """Root cause, known error, workaround (fields left out stay as they are)."""
        problem = self.get_object()
        given = DiagnosisSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        services.record_diagnosis(
            problem,
            root_cause=data.get("root_cause"),
            known_error=data.get("known_error"),
            workaround=data.get("workaround"),
            tell_requesters=data["tell_requesters"],
            author=request.user,
            via=Via.API,
        )
        return Response(self._detail(problem))

    @extend_schema(request=ProblemResolveSerializer, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        problem = self.get_object()
        given = ProblemResolveSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.resolve_problem(problem, author=request.user, via=Via.API, **given.validated_data)
        return Response(self._detail(problem))

    @extend_schema(request=None, responses={200: ProblemDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        problem = services.close_problem(self.get_object())
        return Response(self._detail(problem))

    def _tickets(self, request, operation):
        problem = self.get_object()
        given = TicketNumbersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        with transaction.atomic():
            operation(problem, given.validated_data["tickets"])
        return Response(self._detail(problem))

    def _detail(self, problem: Problem) -> dict:
        incidents = Ticket.objects.select_related(*LIST_RELATED).order_by("created", "pk")
        fresh = Problem.objects.select_related("owner").prefetch_related(
            "targets", Prefetch("incidents", queryset=incidents)
        )
        return ProblemDetailSerializer(fresh.get(pk=problem.pk)).data


def register(router) -> None:
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("problems", ProblemViewSet, basename="problem")
    router.register("mailboxes", MailboxViewSet, basename="mailbox")
    router.register("calendar-days", CalendarDayViewSet, basename="calendar-day")


REPORT_PARAMETERS = [
    OpenApiParameter("from", str, description="first day, YYYY-MM-DD (default: 30 days ago)"),
    OpenApiParameter("to", str, description="last day, YYYY-MM-DD (default: today)"),
    OpenApiParameter("queue", str, description="a queue's name (default: all)"),
    OpenApiParameter("target", str, description="an affected target's name (default: all)"),
    OpenApiParameter("group", str, enum=list(reports.GRAINS), description="volume per day or week"),
]


class DeskReportView(APIView):
    """The service desk's report for a period: volume, backlog, SLA attainment, first contact
    resolution, reopen rate, CSAT, top categories and ERP modules, workload, deflection
    (definitions in docs/servicedesk.md). A rate without data is null, never 0."""

    required_permissions = ("servicedesk.view_reports",)

    @extend_schema(parameters=REPORT_PARAMETERS, responses={200: dict})
    def get(self, request):
        given = request.query_params
        try:
            period = reports.parse_period(
                given.get("from"),
                given.get("to"),
                queue=given.get("queue"),
                target=given.get("target"),
                grain=given.get("group"),
            )
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(reports.desk_report(period))


urlpatterns = [
    path("servicedesk/reports/", DeskReportView.as_view(), name="servicedesk-reports"),
]
