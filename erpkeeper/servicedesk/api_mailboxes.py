"""/api/v1/mailboxes/: the IMAP mailboxes polled for mail (the password write-only),
``POST …/{id}/poll/`` (202 with the queued job) and ``…/test/`` (log in, change nothing).
Everything goes through ``servicedesk.services``; bad input is a 400 naming the field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Mailbox, MailboxSecurity, Queue
from erpkeeper.servicedesk.services.imap import MailboxError


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


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
