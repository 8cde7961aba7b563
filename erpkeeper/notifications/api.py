"""/api/v1 for notification channels and their deliveries.

Secrets (``url``, ``secret``, ``password``) are write-only: responses say whether each is set
(``has_url`` …) and show ``destination``, a masked form. ``POST …/test/`` sends a test message
and answers with the result; ``POST …/enable/`` turns a channel disabled by a failure back on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.notifications import services
from erpkeeper.notifications.filters import DeliveryFilterSet
from erpkeeper.notifications.models import Channel, Delivery
from erpkeeper.targets.models import Target

SECRET_HELP = {
    "url": "webhook or robot URL (its token is in it); stored encrypted, never returned",
    "secret": "signing secret (webhook HMAC, DingTalk 加签, Feishu); '' removes it",
    "password": "SMTP password (email); '' removes it",
}


def _secret_field(key: str) -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        style={"input_type": "password"},
        help_text=SECRET_HELP[key],
    )


class DeliverySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "ok", "started", "duration_ms", "status_code", "error"]
        read_only_fields = fields


class ChannelSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Channel.Kind.choices)
    url = _secret_field("url")
    secret = _secret_field("secret")
    password = _secret_field("password")
    has_url = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()
    has_password = serializers.SerializerMethodField()
    destination = serializers.CharField(source="destination_masked", read_only=True)
    targets = serializers.SlugRelatedField(
        slug_field="name", queryset=Target.objects.all(), many=True, required=False
    )
    last_delivery = serializers.SerializerMethodField()

    class Meta:
        model = Channel
        fields = [
            "id",
            "name",
            "kind",
            "enabled",
            "config",
            "url",
            "secret",
            "password",
            "has_url",
            "has_secret",
            "has_password",
            "destination",
            "min_severity",
            "targets",
            "disabled_reason",
            "disabled_at",
            "last_delivery",
            "description",
            "created",
            "updated",
        ]
        read_only_fields = ["disabled_reason", "disabled_at", "created", "updated"]
        # Uniqueness and the rest are checked by the services, field by field.
        validators: list = []
        extra_kwargs = {"name": {"validators": []}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_url(self, obj) -> bool:
        return obj.has_secret("url")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_secret(self, obj) -> bool:
        return obj.has_secret("secret")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_has_password(self, obj) -> bool:
        return obj.has_secret("password")

    @extend_schema_field(DeliverySummarySerializer(allow_null=True))
    def get_last_delivery(self, obj):
        # One query per channel: an installation has a handful of channels.
        delivery = services.last_delivery(obj)
        return DeliverySummarySerializer(delivery).data if delivery else None


class ChannelTestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    status_code = serializers.IntegerField(allow_null=True)
    response = serializers.CharField()
    error = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    delivery = serializers.IntegerField(source="pk")


class ChannelViewSet(viewsets.ModelViewSet):
    """Where notifications go: email, webhooks, Slack, DingTalk, WeCom and Feishu robots."""

    queryset = Channel.objects.prefetch_related("targets")
    serializer_class = ChannelSerializer
    action_permissions = {"test": "change", "enable": "change", "disable": "change"}

    def create(self, request, *args, **kwargs):
        data = self._validated(request.data)
        try:
            channel = services.create_channel(**data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(channel).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        channel = self.get_object()
        data = self._validated(request.data, channel, partial=kwargs.pop("partial", False))
        try:
            services.update_channel(channel, **data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(channel).data)

    def destroy(self, request, *args, **kwargs):
        services.remove_channel(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ChannelTestResultSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Send a test message now and answer with the result (recorded as a delivery)."""
        delivery = services.send_test(self.get_object())
        return Response(ChannelTestResultSerializer(delivery).data)

    @extend_schema(request=None, responses={200: ChannelSerializer})
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        """Turn the channel on again (after fixing what disabled it)."""
        return Response(self.get_serializer(services.enable_channel(self.get_object())).data)

    @extend_schema(request=None, responses={200: ChannelSerializer})
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        """Stop sending to the channel until it is enabled again."""
        return Response(self.get_serializer(services.disable_channel(self.get_object())).data)

    def _validated(self, payload, instance=None, partial=False) -> dict:
        serializer = self.get_serializer(instance, data=payload, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        secrets = {key: data.pop(key) for key in services.SECRET_KEYS if key in data}
        if secrets:
            data["secrets"] = secrets
        return data


class DeliverySerializer(serializers.ModelSerializer):
    channel_name = serializers.CharField(source="channel.name", read_only=True)
    message_subject = serializers.CharField(
        source="message.subject", read_only=True, allow_null=True, default=None
    )
    is_test = serializers.BooleanField(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "channel_name",
            "message",
            "message_subject",
            "is_test",
            "attempt",
            "started",
            "duration_ms",
            "ok",
            "status_code",
            "response",
            "error",
            "next_retry_at",
        ]
        read_only_fields = fields


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Every attempt to deliver a notification (or a test message), newest first."""

    queryset = Delivery.objects.select_related("channel", "message")
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilterSet


def _bad_request(exc: ValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
    return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)


def register(router) -> None:
    router.register("notification-channels", ChannelViewSet, basename="notification-channel")
    router.register("notification-deliveries", DeliveryViewSet, basename="notification-delivery")
