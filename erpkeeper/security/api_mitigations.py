"""/api/v1/security/ mitigating controls and accepted exceptions (registered by api.py):

GET    security/mitigations/?risk=P2P-01&target=shop   controls, filtered
POST   security/mitigations/ {"risk", "owner", "description", "frequency", "target"?, "login"?,
                              "expires"?}
DELETE security/mitigations/<id>/                       withdraw (the conflict counts again)
GET    security/exceptions/?target=shop&active=true     accepted exceptions
POST   security/exceptions/ {"risk", "target", "login", "reason", "expires"}  (the caller accepts)
DELETE security/exceptions/<id>/
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from erpkeeper.security.filters import AcceptedExceptionFilterSet, MitigatingControlFilterSet
from erpkeeper.security.models import AcceptedException, MitigatingControl
from erpkeeper.security.services import mitigations
from erpkeeper.targets.models import Target


class MitigatingControlSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(
        slug_field="name", queryset=Target.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = MitigatingControl
        fields = [
            "id",
            "risk",
            "target",
            "login",
            "owner",
            "description",
            "frequency",
            "expires",
            "created",
        ]
        read_only_fields = ["id", "created"]


class AcceptedExceptionSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())
    expires = serializers.DateField()

    class Meta:
        model = AcceptedException
        fields = ["id", "risk", "target", "login", "reason", "accepted_by", "expires", "created"]
        read_only_fields = ["id", "accepted_by", "created"]


class RecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, add (through the service, which checks the risk and the dates) and
    withdraw; no edit: a changed control is a new one, so the audit trail reads plainly."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            record = self.add(request, serializer.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        mitigations.withdraw(instance)


class MitigatingControlViewSet(RecordViewSet):
    queryset = MitigatingControl.objects.select_related("target")
    serializer_class = MitigatingControlSerializer
    filterset_class = MitigatingControlFilterSet

    def add(self, request, data):
        return mitigations.add_mitigation(**data)


class AcceptedExceptionViewSet(RecordViewSet):
    queryset = AcceptedException.objects.select_related("target")
    serializer_class = AcceptedExceptionSerializer
    filterset_class = AcceptedExceptionFilterSet

    def add(self, request, data):
        return mitigations.accept_exception(**data, accepted_by=request.user.get_username())


def register(router) -> None:
    router.register(
        "security/mitigations", MitigatingControlViewSet, basename="security-mitigation"
    )
    router.register("security/exceptions", AcceptedExceptionViewSet, basename="security-exception")
