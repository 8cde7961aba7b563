"""/api/v1/performance/code-folders/ and /api/v1/performance/code-reviews/: the folders of a
target's custom ERP modules, and the reviews of their code (POST queues one: 202 with the job).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from erpkeeper.core.jobs.api import JobSummarySerializer
from erpkeeper.performance import services
from erpkeeper.performance.filters import CodeFolderFilterSet, CodeReviewFilterSet
from erpkeeper.performance.models import CodeFolder, CodeModule, CodeReview
from erpkeeper.targets.models import Target


class CodeFolderSerializer(serializers.ModelSerializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())

    class Meta:
        model = CodeFolder
        fields = ["id", "target", "path", "added"]
        read_only_fields = ["added"]
        validators = []  # add_code_folder says "already a module folder" in words


class CodeModuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CodeModule
        fields = [
            "name",
            "path",
            "score",
            "files",
            "lines",
            "lloc",
            "functions",
            "maintainability",
            "counts",
            "worst",
            "largest_files",
            "issues",
        ]


class CodeReviewSerializer(serializers.ModelSerializer):
    notes = serializers.SerializerMethodField()

    class Meta:
        model = CodeReview
        fields = [
            "id",
            "target",
            "target_name",
            "status",
            "started",
            "finished",
            "error",
            "folders",
            "modules_count",
            "score",
            "counts",
            "worst",
            "notes",
            "tools",
            "job",
        ]

    def get_notes(self, obj) -> list[str]:
        return services.note_texts(obj)


class CodeReviewDetailSerializer(CodeReviewSerializer):
    modules = CodeModuleSerializer(many=True, read_only=True)
    change = serializers.SerializerMethodField()

    class Meta(CodeReviewSerializer.Meta):
        fields = [*CodeReviewSerializer.Meta.fields, "change", "modules"]

    def get_change(self, obj) -> dict | None:
        return services.compare_to_previous(obj)


class ReviewRequestSerializer(serializers.Serializer):
    target = serializers.SlugRelatedField(slug_field="name", queryset=Target.objects.all())


class CodeFolderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The folders of each target's custom modules on the ERPKeeper host; a new one must exist
    and be a readable folder."""

    queryset = CodeFolder.objects.select_related("target")
    serializer_class = CodeFolderSerializer
    filterset_class = CodeFolderFilterSet
    action_permissions = {"destroy": "change"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            folder = services.add_code_folder(
                serializer.validated_data["target"], serializer.validated_data["path"]
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(folder).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_code_folder(instance)


class CodeReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Reviews of the custom modules' code, newest first; one shows every module, its score and
    issues, and the change since the previous review. POST queues a review of a target."""

    queryset = CodeReview.objects.all()
    filterset_class = CodeReviewFilterSet
    action_permissions = {"create": "add"}

    def get_serializer_class(self):
        return CodeReviewDetailSerializer if self.action == "retrieve" else CodeReviewSerializer

    @extend_schema(request=ReviewRequestSerializer, responses={202: JobSummarySerializer})
    def create(self, request):
        serializer = ReviewRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            asked = services.request_code_review(
                serializer.validated_data["target"], requested_by=request.user
            )
        except ValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(JobSummarySerializer(asked.job).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register(
        "performance/code-folders", CodeFolderViewSet, basename="performance-codefolder"
    )
    router.register(
        "performance/code-reviews", CodeReviewViewSet, basename="performance-codereview"
    )
