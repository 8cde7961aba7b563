"""/api/v1 for alerts, alert rules and silences.

``/alert-rules/`` CRUD (a default rule can be disabled, not deleted: 400); ``/alerts/`` list
and retrieve, filtered by ``state``, ``target`` (id or name), ``severity`` and ``rule``, with
``POST …/{id}/acknowledge/`` and ``…/resolve/``; ``/silences/`` CRUD (``?active=true`` for the
ones in force) with ``POST …/{id}/expire/``. Everything goes through ``alerts.services``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.accounts.teams.models import Team
from erpkeeper.alerts import services
from erpkeeper.alerts.filters import AlertFilterSet, SilenceFilterSet
from erpkeeper.alerts.models import Alert, AlertRule, Silence
from erpkeeper.monitoring.models import Host
from erpkeeper.notifications.models import Channel
from erpkeeper.targets.models import Target

MAX_SILENCE_MINUTES = 10 * 366 * 24 * 60  # ten years: longer is a rule to disable, not a silence


def _names(model, many=True, **kwargs):
    return serializers.SlugRelatedField(
        slug_field="name", queryset=model.objects.all(), many=many, required=False, **kwargs
    )


class AlertRuleSerializer(serializers.ModelSerializer):
    targets = _names(Target, help_text="target names; empty: every target")
    hosts = _names(Host, help_text="host names; empty: every host")
    channels = _names(Channel, help_text="channel names; empty: every accepting channel")
    escalation_channel = _names(Channel, many=False, allow_null=True)
    escalation_team = _names(
        Team, many=False, allow_null=True, help_text="page whoever is on call for this team"
    )

    class Meta:
        model = AlertRule
        fields = ["id", *services.RULE_FORM_FIELDS, "is_default", "created", "updated"]
        read_only_fields = ["is_default", "created", "updated"]
        validators: list = []  # the services check the rule as a whole
        extra_kwargs = {"name": {"validators": []}}

    def validate_metric(self, value: str) -> str:
        """Only metrics something collects (as the console offers); a rule keeps its own."""
        if self.instance is not None and value == self.instance.metric:
            return value
        if value not in services.known_metrics():
            raise serializers.ValidationError(
                _(
                    "No series has the metric %(metric)s and no default rule uses it; "
                    "GET /api/v1/metrics/series/ lists the metrics collected."
                )
                % {"metric": value}
            )
        return value


class AlertSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    target = serializers.SlugRelatedField(slug_field="name", read_only=True)
    host = serializers.SlugRelatedField(slug_field="name", read_only=True)
    series = serializers.StringRelatedField()
    acknowledged_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    resolved_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    paged_user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Alert
        fields = [
            "id",
            "rule",
            "rule_name",
            "state",
            "severity",
            "summary",
            "target",
            "host",
            "series",
            "value",
            "no_data",
            "started",
            "fired_at",
            "resolved_at",
            "resolved_by",
            "acknowledged_at",
            "acknowledged_by",
            "last_notified_at",
            "notifications_sent",
            "escalated_at",
            "paged_user",
            "paged_address",
            "page_error",
            "suppressed_reason",
            "fingerprint",
        ]
        read_only_fields = fields


class SilenceSerializer(serializers.ModelSerializer):
    target = _names(Target, many=False, allow_null=True)
    host = _names(Host, many=False, allow_null=True)
    starts = serializers.DateTimeField(required=False, help_text="default: now")
    ends = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        max_value=MAX_SILENCE_MINUTES,
        help_text="instead of ends",
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Silence
        fields = [
            "id",
            "rule",
            "target",
            "host",
            "metric",
            "starts",
            "ends",
            "duration_minutes",
            "comment",
            "created_by",
            "created",
        ]
        read_only_fields = ["created_by", "created"]


def _ends(starts: dt.datetime, minutes: int) -> dt.datetime:
    """When a silence of ``minutes`` from ``starts`` ends; a 400 past the calendar's end."""
    try:
        return starts + dt.timedelta(minutes=minutes)
    except OverflowError:
        raise serializers.ValidationError(
            {"duration_minutes": [_("The silence would end after the year 9999.")]}
        ) from None


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class AlertRuleViewSet(viewsets.ModelViewSet):
    """Threshold rules on metrics (warning / critical, for, hysteresis, no data, escalation)."""

    queryset = AlertRule.objects.prefetch_related("targets", "hosts", "channels").select_related(
        "escalation_channel"
    )
    serializer_class = AlertRuleSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            rule = services.create_rule(**serializer.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        rule = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(rule, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        try:
            services.update_rule(rule, **serializer.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(rule).data)

    def destroy(self, request, *args, **kwargs):
        try:
            services.delete_rule(self.get_object())
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts raised by the rules, newest first; acknowledge or resolve them."""

    queryset = Alert.objects.select_related(
        "rule", "target", "host", "series", "acknowledged_by", "resolved_by"
    )
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    action_permissions = {"acknowledge": "change", "resolve": "change"}

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Someone is on it: stops the reminders and the escalation."""
        return self._apply(services.acknowledge)

    @extend_schema(request=None, responses={200: AlertSerializer})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close the alert by hand (a new one opens if the condition still holds)."""
        return self._apply(services.resolve)

    def _apply(self, operation):
        try:
            alert = operation(self.get_object(), self.request.user)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(alert).data)


class SilenceViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Periods when matching alerts are recorded but not sent."""

    queryset = Silence.objects.select_related("rule", "target", "host", "created_by")
    serializer_class = SilenceSerializer
    filterset_class = SilenceFilterSet
    action_permissions = {"expire": "change"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        minutes = data.pop("duration_minutes", None)
        if minutes:
            data["ends"] = _ends(data.get("starts") or timezone.now(), minutes)
        try:
            silence = services.create_silence(user=request.user, **data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(silence).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        silence = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(silence, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        minutes = data.pop("duration_minutes", None)
        if minutes:
            data["ends"] = _ends(data.get("starts", silence.starts), minutes)
        try:
            services.update_silence(silence, **data)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(self.get_serializer(silence).data)

    @extend_schema(request=None, responses={200: SilenceSerializer})
    @action(detail=True, methods=["post"])
    def expire(self, request, pk=None):
        """End the silence now."""
        silence = services.expire_silence(self.get_object(), request.user)
        return Response(self.get_serializer(silence).data)


def register(router) -> None:
    router.register("alert-rules", AlertRuleViewSet, basename="alert-rule")
    router.register("alerts", AlertViewSet, basename="alert")
    router.register("silences", SilenceViewSet, basename="silence")
