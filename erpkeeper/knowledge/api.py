"""/api/v1/articles/: the knowledge base's articles (``?q=`` searches the full text, best
first, with highlighted snippets), their versions and the diff between two, votes, files, and
``POST /api/v1/articles/from-ticket/`` (a resolved ticket becomes a draft). Training and the
reports: ``api_training``.

/api/v1/article-categories/: the category tree; ``GET …/{id}/manual/?language=zh-hans`` is the
category's PDF manual.

Everything goes through ``knowledge.services``; bad input is a 400 naming the field.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from erpkeeper.knowledge import api_training, services
from erpkeeper.knowledge.filters import ArticleFilterSet
from erpkeeper.knowledge.models import Article, ArticleFile, ArticleVersion, Category
from erpkeeper.knowledge.search import search
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.servicedesk.models import Ticket
from erpkeeper.servicedesk.services import IncomingFile

SEARCH_LIMIT = 50


class ArticleSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
    )
    translation = serializers.SerializerMethodField()

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "body",
            "kind",
            "language",
            "translation_of",
            "translation",
            "category",
            "position",
            "visibility",
            "status",
            "owner",
            "review_due",
            "source_ticket",
            "created",
            "updated",
            "published_at",
            "helpful_yes",
            "helpful_no",
        ]
        read_only_fields = [
            "translation",
            "source_ticket",
            "created",
            "updated",
            "published_at",
            "helpful_yes",
            "helpful_no",
        ]

    def get_translation(self, obj) -> int | None:
        other = obj.translation
        return other.pk if other else None


class VersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "author", "created"]
        read_only_fields = fields


class FileSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArticleFile
        fields = ["id", "file_name", "content_type", "size", "sha256", "created"]
        read_only_fields = fields


class VoteSerializer(serializers.Serializer):
    helpful = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class FromTicketSerializer(serializers.Serializer):
    ticket = serializers.SlugRelatedField(slug_field="number", queryset=Ticket.objects.all())
    language = serializers.ChoiceField(["zh-hans", "en"], required=False, default="")


class HitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="article.pk")
    title = serializers.CharField()
    rank = serializers.FloatField()
    snippet = serializers.CharField()
    status = serializers.CharField(source="article.status")
    visibility = serializers.CharField(source="article.visibility")
    language = serializers.CharField(source="article.language")


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


class ArticleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Articles; ``?q=发票`` answers the best matches with highlighted snippets instead."""

    queryset = Article.objects.select_related("owner", "translation_of").order_by("pk")
    serializer_class = ArticleSerializer
    filterset_class = ArticleFilterSet
    action_permissions = {
        "vote": "view",
        "versions": "view",
        "diff": "view",
        "files": "view",
        "upload": "change",
        "from_ticket": "add",
    }

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="words to search for (Chinese or English)"),
            OpenApiParameter("language", str, description="with q: zh-hans or en"),
        ]
    )
    def list(self, request, *args, **kwargs):
        query = request.query_params.get("q", "").strip()[:200]
        if not query:
            return super().list(request, *args, **kwargs)
        scope = services.search_scope(
            request.user, request.query_params.get("language", ""), include_unpublished=True
        )
        hits = search(query, scope, limit=SEARCH_LIMIT)
        services.record_search(query, len(hits))
        return Response({"count": len(hits), "results": HitSerializer(hits, many=True).data})

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        services.record_view(self.get_object())
        return response

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        other = data.pop("translation_of", None)
        article = services.create_article(actor=self.request.user, **data)
        if other is not None:
            article = services.link_translation(article, other)
        serializer.instance = article

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        other = data.pop("translation_of", None)
        article = services.update_article(serializer.instance, actor=self.request.user, **data)
        if other is not None:
            article = services.link_translation(article, other)
        serializer.instance = article

    def create(self, request, *args, **kwargs):
        try:
            return super().create(request, *args, **kwargs)
        except ValidationError as exc:
            return _bad_request(exc)

    def update(self, request, *args, **kwargs):
        try:
            return super().update(request, *args, **kwargs)
        except ValidationError as exc:
            return _bad_request(exc)

    @extend_schema(responses={200: VersionSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def versions(self, request, pk=None):
        article = self.get_object()
        return Response(VersionSerializer(article.versions.all(), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", int, description="the older version's number"),
            OpenApiParameter("to", int, description="the newer version's number"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """The two versions' texts side by side as an HTML table."""
        article = self.get_object()
        try:
            older = article.versions.get(number=int(request.query_params.get("from", "")))
            newer = article.versions.get(number=int(request.query_params.get("to", "")))
        except (ValueError, ArticleVersion.DoesNotExist):
            return Response(
                {"detail": "give from and to: two version numbers of this article"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {"from": older.number, "to": newer.number, "html": services.version_diff(older, newer)}
        )

    @extend_schema(request=VoteSerializer, responses={200: ArticleSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        article = self.get_object()
        given = VoteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            services.vote(article, request.user, **given.validated_data)
        except ValidationError as exc:
            return _bad_request(exc)
        article.refresh_from_db()
        return Response(ArticleSerializer(article).data)

    @extend_schema(responses={200: FileSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def files(self, request, pk=None):
        return Response(FileSerializer(self.get_object().files.all(), many=True).data)

    @extend_schema(request=UploadSerializer, responses={201: FileSerializer})
    @action(detail=True, methods=["post"])
    def upload(self, request, pk=None):
        """Attach an image or a file (multipart ``file``; the desk's size and type limits)."""
        article = self.get_object()
        given = UploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        upload = given.validated_data["file"]
        incoming = IncomingFile(upload.name, upload.read(), getattr(upload, "content_type", ""))
        try:
            stored = services.attach_file(article, incoming)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(FileSerializer(stored).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=FromTicketSerializer, responses={201: ArticleSerializer})
    @action(detail=False, methods=["post"], url_path="from-ticket")
    def from_ticket(self, request):
        """A resolved ticket becomes a draft article (its subject and solution, nothing of the
        requester's)."""
        given = FromTicketSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            article = services.article_from_ticket(
                given.validated_data["ticket"],
                actor=request.user,
                language=given.validated_data["language"],
            )
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(ArticleSerializer(article).data, status=status.HTTP_201_CREATED)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "parent", "position"]


class CategoryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The category tree (``parent`` is the id of the category above)."""

    queryset = Category.objects.order_by("pk")
    serializer_class = CategorySerializer
    action_permissions = {"manual": "view"}

    @extend_schema(
        parameters=[OpenApiParameter("language", str, description="zh-hans (default) or en")],
        responses={(200, PDF_CONTENT_TYPE): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def manual(self, request, pk=None):
        """The category and its sub-categories' published articles as a PDF manual."""
        category = self.get_object()
        language = request.query_params.get("language", "zh-hans")
        try:
            pdf = services.manual_pdf(category, language)
        except ValidationError as exc:
            return _bad_request(exc)
        except PdfUnavailable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
        filename = services.manual_filename(category, language)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def register(router):
    router.register("articles", ArticleViewSet, basename="article")
    router.register("article-categories", CategoryViewSet, basename="article-category")
    api_training.register(router)


urlpatterns = [
    path(
        "knowledge/reports/",
        api_training.KnowledgeReportView.as_view(),
        name="knowledge-reports",
    ),
]
