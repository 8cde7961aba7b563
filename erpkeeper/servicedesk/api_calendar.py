"""/api/v1/calendar-days/: days off and adjusted working days (调休) that the holiday
calendars of the queues do not know yet. A POST for a date already entered replaces it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import CalendarDay, DayKind


class CalendarDaySerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(DayKind.choices)

    class Meta:
        model = CalendarDay
        fields = ["id", "calendar", "date", "kind", "note", "changed"]
        read_only_fields = ["changed"]
        validators: list = []


class CalendarDayViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Days the SLA clocks count differently from the holiday library."""

    queryset = CalendarDay.objects.all()
    serializer_class = CalendarDaySerializer
    filterset_fields = ["calendar", "kind"]

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            entry = services.set_calendar_day(**given.validated_data)
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.remove_calendar_day(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
