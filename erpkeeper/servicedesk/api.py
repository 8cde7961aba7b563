"""/api/v1/tickets/: the agent desk's list (filtered, sorted), opening a ticket, its detail with
the conversation, and ``POST …/{id}/reply/``, ``…/assign/``, ``…/status/``. Files come as
multipart ``attachments``. /api/v1/mailboxes/: the IMAP mailboxes polled for mail (the password
write-only), ``POST …/{id}/poll/`` (202 with the queued job) and ``…/test/``. Everything goes
through ``servicedesk.services``; bad input is a 400 naming the field.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.filters import TicketFilterSet
from erpkeeper.servicedesk.models import (
    Attachment,
    CannedReply,
    Level,
    Mailbox,
    MailboxSecurity,
    Queue,
    Ticket,
    TicketCategory,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import IncomingFile
from erpkeeper.servicedesk.services.imap import MailboxError
from erpkeeper.targets.models import Target

LIST_RELATED = ("target", "queue", "assignee", "requester", "parent", "merged_into")


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


class MailboxSerializer(serializers.ModelSerializer):
    security = serializers.ChoiceField(MailboxSecurity.choices, default=MailboxSecurity.TLS)
    queue = serializers.SlugRelatedField(
        slug_field="name",
        queryset=Queue.objects.all(),
        required=False,
        allow_null=True,
        help_text="the queue new tickets go to; null: by the address the mail was sent to",
    )
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        style={"input_type": "password"},
        help_text="stored encrypted, never returned (has_password tells if one is set)",
    )

    class Meta:
        model = Mailbox
        fields = [
            "id",
            "name",
            "host",
            "port",
            "security",
            "username",
            "password",
            "has_password",
            "folder",
            "queue",
            "enabled",
            "poll_minutes",
            "last_poll",
            "last_error",
            "received_count",
            "ignored_count",
            "failed_count",
            "created",
            "updated",
        ]
        read_only_fields = [
            "last_poll",
            "last_error",
            "received_count",
            "ignored_count",
            "failed_count",
            "created",
            "updated",
        ]
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()


class MailboxViewSet(viewsets.ModelViewSet):
    """IMAP mailboxes whose unread mail becomes tickets and replies."""

    queryset = Mailbox.objects.select_related("queue")
    serializer_class = MailboxSerializer
    action_permissions = {"poll": "change", "test": "change"}

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            mailbox = services.create_mailbox(**given.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(mailbox).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        mailbox = self.get_object()
        partial = kwargs.pop("partial", False)
        given = self.get_serializer(mailbox, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        password = data.pop("password", None)
        try:
            services.update_mailbox(mailbox, password=password, **data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(mailbox).data)

    def destroy(self, request, *args, **kwargs):
        services.remove_mailbox(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: JobSummarySerializer})
    @action(detail=True, methods=["post"])
    def poll(self, request, pk=None):
        """Poll now, as a job (an already queued or running poll is returned instead)."""
        asked = services.request_poll(self.get_object(), requested_by=request.user)
        return Response(JobSummarySerializer(asked.job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: ConnectionTestSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Log in and open the folder, changing nothing: ``ok`` and what was found or why not."""
        try:
            detail = services.test_connection(self.get_object())
        except MailboxError as exc:
            return Response({"ok": False, "detail": str(exc)})
        return Response({"ok": True, "detail": detail})


def register(router) -> None:
    router.register("tickets", TicketViewSet, basename="ticket")
    router.register("mailboxes", MailboxViewSet, basename="mailbox")
