"""/api/v1/security/ access review campaigns and their items (registered by api.py):

GET/POST security/campaigns/ ; GET/PUT/PATCH/DELETE security/campaigns/<id>/   (draft only)
POST security/campaigns/<id>/launch/ {"fresh": false}   items from the latest (or a new) snapshot
POST security/campaigns/<id>/close/                      freeze it
GET  security/campaigns/<id>/export/?as=pdf|xlsx         evidence, in the caller's language
GET  security/review-items/?campaign=1&decision=pending&mine=true
POST security/review-items/<id>/decide/ {"decision": "keep"|"revoke", "comment"}
POST security/review-items/hand-over/ {"items": [ids], "to": "username", "reason": "…"}

Security auditors and administrators run campaigns and see every item; any other signed-in
console user sees and decides only the items they review.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.lib.exports import XLSX_CONTENT_TYPE
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.security import services
from erpkeeper.security.filters import ReviewItemFilterSet
from erpkeeper.security.models import Campaign, ReviewItem
from erpkeeper.security.services.review_export import export_campaign, export_filename
from erpkeeper.targets.models import Target

CONTENT_TYPES = {"pdf": PDF_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        queryset = get_user_model().objects.filter(is_active=True, is_staff=True)
        super().__init__(slug_field="username", queryset=queryset, **kwargs)


class CampaignSerializer(serializers.ModelSerializer):
    targets = serializers.SlugRelatedField(
        slug_field="name", many=True, queryset=Target.objects.all()
    )
    default_reviewer = UsernameField()
    owner = UsernameField(required=False)
    progress = serializers.SerializerMethodField()
    requests = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "description",
            "targets",
            "scope_groups",
            "scope_roles",
            "scope_users",
            "reviewer_mode",
            "default_reviewer",
            "deadline",
            "reminder_days",
            "status",
            "owner",
            "created",
            "launched",
            "closed",
            "escalated",
            "progress",
            "requests",
        ]
        read_only_fields = ["status", "created", "launched", "closed", "escalated"]

    def get_progress(self, campaign) -> list[dict]:
        return services.progress(campaign)

    def get_requests(self, campaign) -> list[dict]:
        return [
            {"id": r.pk, "item": r.item_id, "what": r.what, "state": r.state}
            for r in campaign.requests.all()
        ]

    def validate(self, attrs):
        instance = Campaign(**{k: v for k, v in attrs.items() if k != "targets"})
        try:
            instance.clean()
        except ValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs


class LaunchSerializer(serializers.Serializer):
    fresh = serializers.BooleanField(default=False, help_text="take a new snapshot first")


def _invalid(exc: ValidationError) -> Response:
    data = exc.message_dict if hasattr(exc, "error_dict") else {"detail": " ".join(exc.messages)}
    return Response(data, status=status.HTTP_400_BAD_REQUEST)


class CampaignViewSet(viewsets.ModelViewSet):
    """Access review campaigns: created as drafts, launched (one item per membership in
    scope), closed (frozen); the evidence as PDF or XLSX."""

    queryset = Campaign.objects.select_related("owner", "default_reviewer").prefetch_related(
        "targets"
    )
    serializer_class = CampaignSerializer
    action_permissions = {"launch": "change", "close": "change", "export": "view"}

    def perform_create(self, serializer):
        self._save(serializer, owner=serializer.validated_data.get("owner") or self.request.user)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer, **extra):
        data = dict(serializer.validated_data)
        targets = data.pop("targets", None)
        campaign = serializer.instance or Campaign()
        for key, value in {**data, **extra}.items():
            setattr(campaign, key, value)
        try:
            serializer.instance = services.save_campaign(campaign, targets)
        except ValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            ) from None

    def destroy(self, request, pk=None):
        try:
            services.delete_campaign(self.get_object())
        except ValidationError as exc:
            return _invalid(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=LaunchSerializer, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def launch(self, request, pk=None):
        campaign = self.get_object()
        options = LaunchSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        try:
            services.launch_campaign(campaign, fresh=options.validated_data["fresh"])
        except ValidationError as exc:
            return _invalid(exc)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        campaign = self.get_object()
        try:
            services.close_campaign(campaign)
        except ValidationError as exc:
            return _invalid(exc)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(
        parameters=[OpenApiParameter("as", str, enum=["pdf", "xlsx"], description="pdf or xlsx")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """The evidence in the caller's language, with the audit chain's head hash."""
        campaign = self.get_object()
        fmt = request.query_params.get("as", "pdf")
        if fmt not in CONTENT_TYPES:
            return Response({"as": ["pdf or xlsx"]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            body = export_campaign(campaign, fmt, translation.get_language())
        except PdfUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        filename = export_filename(campaign, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ReviewItemSerializer(serializers.ModelSerializer):
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    access = serializers.CharField(source="access_text", read_only=True)
    remediation = serializers.SerializerMethodField()

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "campaign",
            "target_name",
            "snapshot",
            "login",
            "user_name",
            "via",
            "group",
            "group_xml_id",
            "role",
            "role_groups",
            "access",
            "reviewer",
            "decision",
            "comment",
            "decided_by",
            "decided_at",
            "remediation",
        ]
        read_only_fields = fields

    def get_remediation(self, item) -> str | None:
        request = getattr(item, "request", None)
        return request.state if request is not None else None


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["keep", "revoke"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class HandOverSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False
    )
    to = serializers.CharField(help_text="the new reviewer's user name")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class HandOverResultSerializer(serializers.Serializer):
    handed_over = serializers.IntegerField()
    to = serializers.CharField()


class ReviewItemViewSet(viewsets.ReadOnlyModelViewSet):
    """Review items: every item for who runs campaigns, one's own for any other console user.
    POST decide keeps or revokes one of one's own items (a revocation needs a comment)."""

    serializer_class = ReviewItemSerializer
    filterset_class = ReviewItemFilterSet
    required_permissions = ()  # any signed-in user; the queryset keeps to their own items

    def get_queryset(self):
        queryset = ReviewItem.objects.select_related("reviewer", "request", "campaign")
        user = self.request.user
        if not user.is_staff:
            return queryset.none()
        return services.items_visible_to(user, queryset)

    @extend_schema(request=DecideSerializer, responses={200: ReviewItemSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        item = self.get_object()
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.decide_item(item, user=request.user, **serializer.validated_data)
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return _invalid(exc)
        return Response(ReviewItemSerializer(self.get_queryset().get(pk=item.pk)).data)

    @extend_schema(request=HandOverSerializer, responses={200: HandOverResultSerializer})
    @action(detail=False, methods=["post"], url_path="hand-over")
    def hand_over(self, request):
        """Give undecided items (one's own, or any for who runs campaigns) to another
        reviewer, who is told; all or none."""
        given = HandOverSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        items = self.get_queryset().filter(pk__in=data["items"])
        missing = sorted(set(data["items"]) - set(items.values_list("pk", flat=True)))
        if missing:
            return Response({"items": [f"no item {pk} of yours" for pk in missing]}, status=404)
        to = get_user_model().objects.filter(username=data["to"]).first()
        try:
            count = services.reassign_items(items, to=to, by=request.user, reason=data["reason"])
        except PermissionDenied as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as exc:
            return _invalid(exc)
        return Response({"handed_over": count, "to": to.get_username()})


def register(router) -> None:
    router.register("security/campaigns", CampaignViewSet, basename="security-campaign")
    router.register("security/review-items", ReviewItemViewSet, basename="security-review-item")
