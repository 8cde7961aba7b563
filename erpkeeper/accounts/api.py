"""/api/v1/me/, /api/v1/tokens/ and /api/v1/sign-ins/: the signed-in user (their language,
two-factor state and sign-ins), their API tokens, and everybody's sign-ins for auditors."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken, LoginRecord

LANGUAGE_CHOICES = [("", _("Follow the browser")), *settings.LANGUAGES]


class RoleSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("stable English name"))
    label = serializers.CharField(help_text=_("name in the user's language"))


class TwoFactorStateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text=_("an authenticator app is set up"))
    required = serializers.BooleanField(help_text=_("the user's role requires it"))
    enrolled_at = serializers.DateTimeField(allow_null=True)
    last_used = serializers.DateTimeField(allow_null=True)
    recovery_codes_left = serializers.IntegerField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    roles = RoleSerializer(many=True, read_only=True)
    permissions = serializers.ListField(child=serializers.CharField(), read_only=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, allow_blank=True)
    authenticated_by = serializers.CharField(read_only=True, help_text=_("token or session"))
    two_factor = TwoFactorStateSerializer(read_only=True)

    def to_representation(self, user):
        return {
            "id": user.pk,
            "username": user.get_username(),
            "email": user.email,
            "full_name": user.get_full_name(),
            "roles": [{"name": r.value, "label": str(r.label)} for r in services.user_roles(user)],
            "permissions": sorted(user.get_all_permissions()),
            "language": services.get_profile(user).language,
            "authenticated_by": self.context.get("authenticated_by", ""),
            "two_factor": services.two_factor_state(user).as_dict(),
        }


class MeView(APIView):
    """The signed-in user: roles, effective permissions and language (PATCH the language)."""

    required_permissions = ()  # any signed-in user
    serializer_class = MeSerializer

    def _data(self, request):
        by = "token" if isinstance(request.auth, ApiToken) else "session"
        return MeSerializer(request.user, context={"authenticated_by": by}).data

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(self._data(request))

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        serializer = MeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "language" in serializer.validated_data:
            services.set_language(request.user, serializer.validated_data["language"])
        return Response(self._data(request))


class PasswordChangeSerializer(serializers.Serializer):
    current_password = serializers.CharField(style={"input_type": "password"}, write_only=True)
    new_password = serializers.CharField(style={"input_type": "password"}, write_only=True)


class MePasswordView(APIView):
    """Change your own password (the current one is required). 400 lists the reasons (wrong
    current password, policy, same as the current one); wrong current passwords count as failed
    sign-ins, and once the account is locked from your address the answer is 429."""

    required_permissions = ()
    serializer_class = PasswordChangeSerializer

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # django-axes marks the Django request, the one its middleware sees, not DRF's wrapper.
        http_request = request._request
        try:
            services.change_own_password(
                request.user, data["current_password"], data["new_password"], http_request
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        except services.AccountLockedOut as exc:
            body = {"detail": str(exc), "error": "locked_out"}
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not isinstance(request.auth, ApiToken):
            # Keep the browser session that made the change signed in (others are signed out).
            update_session_auth_hash(http_request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenSerializer(serializers.ModelSerializer):
    expires_in_days = serializers.IntegerField(
        write_only=True,
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("alternative to expires: this many days from now"),
    )
    status = serializers.CharField(read_only=True)
    display_prefix = serializers.CharField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "display_prefix",
            "status",
            "created",
            "last_used",
            "expires",
            "expires_in_days",
            "revoked",
        ]
        read_only_fields = ["created", "last_used", "revoked"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True, help_text=_("the token itself: shown in this response only")
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


class ApiTokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own API tokens. Creating one returns the token once; DELETE or POST …/revoke/
    revokes it (the row stays, for the audit trail)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # model for RolePermission; rows: get_queryset()
    action_permissions = {"revoke": "change", "destroy": "change"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real user
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=self.request.user)

    @extend_schema(responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expires = data.get("expires")
        if data.get("expires_in_days"):
            expires = timezone.now() + timedelta(days=data["expires_in_days"])
        token, plaintext = services.create_api_token(request.user, data["name"], expires)
        token.token = plaintext
        body = ApiTokenCreatedSerializer(token).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.revoke_api_token(self.get_object())
        return Response(self.get_serializer(token).data)

    def perform_destroy(self, instance):
        services.revoke_api_token(instance)


class LoginRecordSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = LoginRecord
        fields = ["id", "time", "user_id", "username", "method", "success", "address", "user_agent"]
        read_only_fields = fields


class MeSignInsView(generics.ListAPIView):
    """Your own sign-ins, newest first: each step (password, code, recovery code, remembered
    browser), whether it succeeded, from which address and browser."""

    required_permissions = ()
    serializer_class = LoginRecordSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LoginRecord.objects.none()
        return services.sign_ins_of(self.request.user)


SIGN_IN_FILTERS = [
    OpenApiParameter("username", str, description=_("the user name tried (exact)")),
    OpenApiParameter("success", bool),
    OpenApiParameter("address", str),
]


@extend_schema_view(list=extend_schema(parameters=SIGN_IN_FILTERS))
class LoginRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Everybody's sign-ins (Security auditor, Administrator), newest first."""

    serializer_class = LoginRecordSerializer
    queryset = LoginRecord.objects.all()

    def get_queryset(self):
        records = LoginRecord.objects.all()
        if self.action != "list":
            return records
        params = self.request.query_params
        if params.get("username"):
            records = records.filter(username=params["username"])
        if params.get("success") in ("true", "false"):
            records = records.filter(success=params["success"] == "true")
        if params.get("address"):
            records = records.filter(address=params["address"])
        return records


def register(router) -> None:
    router.register("tokens", ApiTokenViewSet, basename="apitoken")
    router.register("sign-ins", LoginRecordViewSet, basename="sign-in")
