"""/api/v1/teams/, team-memberships/, raci/, rotas/, rota-overrides/, handover-notes/,
on-call/ and announcements/: the team's organisation (docs/teams.md).

Everything goes through ``accounts.teams.services``; bad input is a 400 naming the field, an
override for someone else by a person who is no manager a 403.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import (
    Announcement,
    Area,
    HandoverNote,
    Raci,
    RaciAssignment,
    Rota,
    RotaOverride,
    Team,
    TeamMembership,
    TeamRole,
)

MAX_SHIFTS = 60


def _users(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), **kwargs
    )


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class ServiceErrors:
    """A ValidationError from a service is answered as a 400 naming the field."""

    def handle_exception(self, exc):
        if isinstance(exc, ValidationError):
            return _bad_request(exc)
        return super().handle_exception(exc)


# -- teams ------------------------------------------------------------------------------------


class TeamMembershipSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="name", queryset=Team.objects.all())
    user = _users()

    class Meta:
        model = TeamMembership
        fields = ["id", "team", "user", "role", "responsibility", "joined"]
        read_only_fields = ["joined"]


class TeamSerializer(serializers.ModelSerializer):
    lead = _users(required=False, allow_null=True)
    members = serializers.SerializerMethodField()
    on_call = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "description", "lead", "members", "on_call", "created", "updated"]
        read_only_fields = ["created", "updated"]

    def get_members(self, obj) -> list[dict]:
        return [
            {"user": m.user.get_username(), "role": m.role, "responsibility": m.responsibility}
            for m in obj.memberships.all()
        ]

    def get_on_call(self, obj) -> str | None:
        user = services.on_call(obj)
        return user.get_username() if user else None


class TeamViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Teams with their members and who is on call for them now."""

    queryset = Team.objects.select_related("lead").prefetch_related("memberships__user")
    serializer_class = TeamSerializer

    def perform_create(self, serializer):
        serializer.instance = services.create_team(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_team(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.delete_team(instance)


class TeamMembershipViewSet(
    ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Who is in which team; adding a member twice changes their role and responsibility."""

    queryset = TeamMembership.objects.select_related("team", "user").order_by("pk")
    serializer_class = TeamMembershipSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.add_member(
            data["team"],
            data["user"],
            role=data.get("role", TeamRole.MEMBER),
            responsibility=data.get("responsibility", ""),
        )

    def perform_destroy(self, instance):
        services.remove_member(instance.team, instance.user)


# -- RACI -------------------------------------------------------------------------------------


class RaciCellSerializer(serializers.Serializer):
    area = serializers.ChoiceField(Area.choices)
    team = serializers.SlugRelatedField(
        slug_field="name", queryset=Team.objects.all(), required=False, allow_null=True
    )
    user = _users(required=False, allow_null=True)
    letter = serializers.ChoiceField([*Raci.values, "-"], help_text="R, A, C, I; - clears")

    def validate(self, attrs):
        if bool(attrs.get("team")) == bool(attrs.get("user")):
            raise serializers.ValidationError("give a team or a user")
        return attrs


class RaciViewSet(viewsets.GenericViewSet):
    """The RACI matrix: one row per area (``?format=xlsx`` exports it), and ``set/`` for one
    cell; at most one Accountable per area."""

    queryset = RaciAssignment.objects.all()
    action_permissions = {"list": "view", "set_cell": "change"}
    pagination_class = None

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def list(self, request):
        matrix = services.raci_matrix()
        rows = services.matrix_rows(matrix)
        return Response(
            {
                "count": len(rows),
                "columns": [str(holder) for _key, holder in matrix.columns],
                "without_accountable": matrix.without_accountable,
                "results": rows,
            }
        )

    @extend_schema(request=RaciCellSerializer, responses={200: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"], url_path="set", url_name="set")
    def set_cell(self, request):
        given = RaciCellSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        holder = data.get("team") or data.get("user")
        try:
            cell = services.set_raci(data["area"], holder, data["letter"])
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(
            {"area": data["area"], "holder": str(holder), "letter": cell.letter if cell else ""}
        )


# -- rotas ------------------------------------------------------------------------------------


class RotaSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="name", queryset=Team.objects.all())
    members = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        write_only=True,
        help_text="user names in order (answered in the same shape)",
    )

    class Meta:
        model = Rota
        fields = [
            "id",
            "team",
            "name",
            "rotation",
            "handover_time",
            "time_zone",
            "start_date",
            "members",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["members"] = [m.user.get_username() for m in instance.members.all()]
        return data

    def validate_members(self, names):
        users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
        missing = [name for name in names if name not in users]
        if missing:
            raise serializers.ValidationError(f"no user named {', '.join(missing)}")
        return [users[name] for name in names]


class ShiftSerializer(serializers.Serializer):
    user = serializers.CharField(source="user.username")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    override = serializers.SerializerMethodField()

    def get_override(self, shift) -> str | None:
        return shift.override.reason if shift.override else None


class RotaViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Rotas; ``shifts/`` the coming shifts with overrides in place, ``feed/`` a new iCal
    address (shown once)."""

    queryset = Rota.objects.select_related("team").prefetch_related("members__user")
    serializer_class = RotaSerializer
    action_permissions = {"shifts": "view", "feed": "change"}

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_rota(members=data.pop("members", ()), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        members = data.pop("members", None)
        data.pop("team", None)
        rota = services.update_rota(serializer.instance, **data)
        if members is not None:
            services.set_members(rota, members)
        serializer.instance = rota

    @extend_schema(
        parameters=[OpenApiParameter("count", int, description="how many shifts (8)")],
        responses={200: ShiftSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def shifts(self, request, pk=None):
        try:
            count = min(max(int(request.query_params.get("count", 8)), 1), MAX_SHIFTS)
        except ValueError:
            return Response({"count": "a number"}, status=status.HTTP_400_BAD_REQUEST)
        shifts = services.upcoming_shifts(self.get_object(), count)
        return Response(ShiftSerializer(shifts, many=True).data)

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"])
    def feed(self, request, pk=None):
        rota = self.get_object()
        token = services.new_feed_token(rota)
        url = request.build_absolute_uri(reverse("accounts-rota-feed", args=[token]))
        return Response({"url": url})


class RotaOverrideSerializer(serializers.ModelSerializer):
    user = _users()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = RotaOverride
        fields = ["id", "rota", "user", "start", "end", "reason", "created_by", "created"]
        read_only_fields = ["created_by", "created"]


class RotaOverrideViewSet(
    ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Overrides: managers set anyone; everyone else covers only themselves (403 otherwise).
    Deleting needs the delete permission, or being the override's person or author."""

    queryset = RotaOverride.objects.select_related("rota", "user", "created_by").order_by("pk")
    serializer_class = RotaOverrideSerializer
    action_permissions = {"destroy": "add"}

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.add_override(
            data["rota"],
            data["user"],
            data["start"],
            data["end"],
            reason=data.get("reason", ""),
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        services.remove_override(instance, actor=self.request.user)


class HandoverNoteSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = HandoverNote
        fields = ["id", "rota", "text", "author", "created"]
        read_only_fields = ["author", "created"]


class HandoverNoteViewSet(
    ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = HandoverNote.objects.select_related("rota", "author").order_by("-pk")
    serializer_class = HandoverNoteSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.write_handover_note(
            data["rota"], data["text"], actor=self.request.user
        )


class OnCallView(APIView):
    """Who is on call for each team now (or ``?at=`` another moment; ``?team=`` one team)."""

    required_permissions = ("accounts.view_rota",)

    @extend_schema(
        parameters=[
            OpenApiParameter("team", str, description="a team's name"),
            OpenApiParameter("at", str, description="an ISO 8601 moment (default: now)"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        at = timezone.now()
        if request.query_params.get("at"):
            at = parse_datetime(request.query_params["at"])
            if at is None:
                return Response({"at": "an ISO 8601 moment"}, status=status.HTTP_400_BAD_REQUEST)
            at = timezone.make_aware(at) if timezone.is_naive(at) else at
        teams = Team.objects.order_by("name")
        if request.query_params.get("team"):
            teams = teams.filter(name=request.query_params["team"])
        return Response({"at": at.isoformat(), "results": [_on_call_row(t, at) for t in teams]})


def _on_call_row(team: Team, at) -> dict:
    shift = services.current_shift(team, at)
    return {
        "team": team.name,
        "user": shift.user.get_username() if shift else None,
        "email": shift.user.email if shift else None,
        "until": shift.end.isoformat() if shift else None,
        "override": bool(shift and shift.override),
    }


# -- announcements ----------------------------------------------------------------------------


class AnnouncementSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(
        slug_field="name", queryset=Team.objects.all(), required=False, allow_null=True
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title",
            "text",
            "title_zh",
            "text_zh",
            "level",
            "to_team",
            "team",
            "to_portal",
            "starts",
            "ends",
            "sent_at",
            "created_by",
            "created",
        ]
        read_only_fields = ["sent_at", "created_by", "created"]
        extra_kwargs = {"starts": {"required": False}}


class AnnouncementViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Announcements to the team (sent through the channels once started) and to the portal."""

    queryset = Announcement.objects.select_related("team", "created_by").order_by("-pk")
    serializer_class = AnnouncementSerializer

    def perform_create(self, serializer):
        serializer.instance = services.create_announcement(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_announcement(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_announcement(instance)


def register(router) -> None:
    router.register("teams", TeamViewSet, basename="team")
    router.register("team-memberships", TeamMembershipViewSet, basename="team-membership")
    router.register("raci", RaciViewSet, basename="raci")
    router.register("rotas", RotaViewSet, basename="rota")
    router.register("rota-overrides", RotaOverrideViewSet, basename="rota-override")
    router.register("handover-notes", HandoverNoteViewSet, basename="handover-note")
    router.register("announcements", AnnouncementViewSet, basename="announcement")
