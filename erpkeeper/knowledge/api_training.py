"""Training in the API.

/api/v1/courses/: courses with their steps (article ids in order) and quiz (questions with
options, the right ones marked: for the writers); /api/v1/course-assignments/: who must take
which course (by role, user or ERP group); /api/v1/enrolments/: every learner's progress, the
certificate PDF and ``verify/?code=``; /api/v1/course-attempts/: every submitted quiz;
/api/v1/my-courses/: one's own courses (any signed-in user): read a step, submit the quiz (the
right options are never sent before), download one's certificate; /api/v1/training-sessions/:
workshops and seminars, attendance, materials and the .ics; /api/v1/knowledge/reports/.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import (
    Attempt,
    Course,
    CourseAssignment,
    Enrolment,
    TrainingSession,
)
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.servicedesk.services import IncomingFile

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bad_request(exc: ValidationError) -> Response:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(detail, status=status.HTTP_400_BAD_REQUEST)


def _user_field(**options):
    return serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.all(), **options
    )


def _pdf(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _certificate(enrolment: Enrolment):
    if enrolment.completed is None:
        return Response(
            {"detail": "the course is not passed yet: no certificate"},
            status=status.HTTP_404_NOT_FOUND,
        )
    try:
        return _pdf(services.certificate_pdf(enrolment), services.certificate_filename(enrolment))
    except PdfUnavailable as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)


# -- courses -----------------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    owner = _user_field(required=False, allow_null=True)
    steps = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False, help_text="article ids"
    )
    questions = serializers.ListField(
        child=serializers.DictField(),
        write_only=True,
        required=False,
        help_text='[{"text", "kind": "single|multiple", "options": [{"text", "correct"}]}]',
    )
    outline = serializers.SerializerMethodField()
    quiz = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "language",
            "description",
            "pass_mark",
            "owner",
            "state",
            "steps",
            "questions",
            "outline",
            "quiz",
            "created",
            "updated",
        ]
        read_only_fields = ["created", "updated"]

    def get_outline(self, obj) -> list[dict]:
        return [
            {"position": s.position, "article": s.article_id, "title": s.article.title}
            for s in obj.steps.select_related("article")
        ]

    def get_quiz(self, obj) -> list[dict]:
        return [
            {
                "id": q.pk,
                "text": q.text,
                "kind": q.kind,
                "options": [
                    {"id": o.pk, "text": o.text, "correct": o.correct} for o in q.options.all()
                ],
            }
            for q in obj.questions.prefetch_related("options")
        ]


class CourseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Courses for who writes and runs them (``view_course``); learners use my-courses."""

    queryset = Course.objects.select_related("owner").order_by("pk")
    serializer_class = CourseSerializer
    filterset_fields = ["state", "language"]

    def perform_create(self, serializer):
        serializer.instance = services.create_course(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.save_course(
            serializer.instance, actor=self.request.user, **data
        )

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


class AssignmentSerializer(serializers.ModelSerializer):
    user = _user_field(required=False, allow_null=True)
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    learners = serializers.SerializerMethodField()
    not_mapped_count = serializers.SerializerMethodField()

    class Meta:
        model = CourseAssignment
        fields = [
            "id",
            "course",
            "kind",
            "role",
            "user",
            "target",
            "erp_group",
            "due_date",
            "assigned_by",
            "created",
            "synced",
            "learners",
            "not_mapped",
            "not_mapped_count",
        ]
        read_only_fields = ["assigned_by", "created", "synced", "not_mapped"]

    def get_learners(self, obj) -> int:
        return obj.enrolments.count()

    def get_not_mapped_count(self, obj) -> int:
        return len(obj.not_mapped or [])


class CourseAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Assign a published course by ``role``, ``user`` or ``target`` + ``erp_group``; the
    learners are enrolled at once (ERP users without a platform account: ``not_mapped``)."""

    queryset = CourseAssignment.objects.select_related("course", "user").order_by("pk")
    serializer_class = AssignmentSerializer
    filterset_fields = ["course", "kind"]

    def create(self, request, *args, **kwargs):
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        try:
            assignment, _result = services.assign_course(
                data.pop("course"), actor=request.user, **data
            )
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.delete_assignment(instance)


# -- progress ----------------------------------------------------------------------------------


class EnrolmentSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    course_title = serializers.CharField(source="course.title", read_only=True)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "course",
            "course_title",
            "user",
            "erp_group",
            "due_date",
            "assigned",
            "best_score",
            "completed",
            "certificate_code",
            "progress",
        ]
        read_only_fields = fields

    def get_progress(self, obj) -> dict:
        found = services.progress(obj)
        return {"steps": found["steps"], "read": found["read"], "attempts": found["attempts"],
                "overdue": found["overdue"]}  # fmt: skip


class EnrolmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Every learner's progress; ``certificate`` is a learner's PDF, ``verify/?code=`` checks a
    certificate's code."""

    queryset = Enrolment.objects.select_related("course", "user").order_by("pk")
    serializer_class = EnrolmentSerializer
    filterset_fields = ["course", "erp_group"]
    action_permissions = {"certificate": "view", "verify": "view"}

    @extend_schema(responses={(200, PDF_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        return _certificate(self.get_object())

    @extend_schema(
        parameters=[OpenApiParameter("code", str, description="the certificate's code")],
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        found = services.verify_certificate(request.query_params.get("code", ""))
        if found is None:
            return Response({"valid": False})
        return Response({"valid": True, **EnrolmentSerializer(found).data})


class AttemptSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        source="enrolment.user", slug_field="username", read_only=True
    )
    course = serializers.IntegerField(source="enrolment.course_id", read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "enrolment",
            "course",
            "user",
            "submitted",
            "right",
            "questions",
            "score",
            "passed",
        ]
        read_only_fields = fields


class AttemptViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Attempt.objects.select_related("enrolment__user").order_by("-pk")
    serializer_class = AttemptSerializer
    filterset_fields = ["enrolment", "passed"]


# -- the learner's own ---------------------------------------------------------------------------


class ReadSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="the step's position in the course (1, 2, …)")


class AnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="{question id: [option ids]}",
    )


class MyCourseViewSet(viewsets.ReadOnlyModelViewSet):
    """One's own courses (any signed-in user): the steps with what is read, the quiz without
    the right answers, ``read`` a step, submit ``attempts``, download the ``certificate``."""

    serializer_class = EnrolmentSerializer
    required_permissions = ()  # any signed-in user; the queryset keeps to their own

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema has no user
            return Enrolment.objects.none()
        return services.my_enrolments(self.request.user).order_by("pk")

    def retrieve(self, request, *args, **kwargs):
        enrolment = self.get_object()
        steps = [
            {
                "position": s.step.position,
                "article": s.step.article_id,
                "title": s.step.article.title,
                "read": s.read,
                "open": s.open,
            }
            for s in services.step_states(enrolment)
        ]
        data = {**EnrolmentSerializer(enrolment).data, "steps": steps}
        data["quiz"] = services.quiz(enrolment) if services.all_read(enrolment) else []
        return Response(data)

    @extend_schema(request=ReadSerializer, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        enrolment = self.get_object()
        given = ReadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        step = get_object_or_404(enrolment.course.steps, position=given.validated_data["step"])
        try:
            services.mark_read(enrolment, step)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(EnrolmentSerializer(enrolment).data)

    @extend_schema(request=AnswersSerializer, responses={201: AttemptSerializer})
    @action(detail=True, methods=["post"])
    def attempts(self, request, pk=None):
        enrolment = self.get_object()
        given = AnswersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            attempt = services.submit_attempt(enrolment, given.validated_data["answers"])
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, PDF_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def certificate(self, request, pk=None):
        return _certificate(self.get_object())


# -- sessions ----------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    speaker = _user_field(required=False, allow_null=True)
    attendance = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "title",
            "kind",
            "starts",
            "minutes",
            "speaker",
            "speaker_name",
            "place",
            "link",
            "description",
            "course",
            "attendance",
            "materials",
        ]

    def get_attendance(self, obj) -> list[dict]:
        return [
            {"user": a.user.get_username(), "state": a.state}
            for a in obj.attendance.select_related("user")
        ]

    def get_materials(self, obj) -> list[dict]:
        return [
            {"id": m.pk, "article": m.article_id, "file_name": m.file_name, "size": m.size}
            for m in obj.materials.all()
        ]


class AttendanceSerializer(serializers.Serializer):
    user = _user_field()
    state = serializers.ChoiceField(["invited", "attended", "absent"], default="invited")


class MaterialSerializer(serializers.Serializer):
    article = serializers.IntegerField(required=False)
    file = serializers.FileField(required=False)


class TrainingSessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Workshops and seminars; ``attendance`` invites or records who came, ``materials`` adds
    an article or a file (multipart), ``ics`` is the calendar event."""

    queryset = TrainingSession.objects.select_related("speaker").order_by("-starts")
    serializer_class = SessionSerializer
    action_permissions = {
        "attendance": "knowledge.change_sessionattendance",
        "materials": "knowledge.add_sessionmaterial",
        "ics": "view",
    }

    def perform_create(self, serializer):
        serializer.instance = services.save_session(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.save_session(
            serializer.instance, **serializer.validated_data
        )

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

    @extend_schema(request=AttendanceSerializer, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        session = self.get_object()
        given = AttendanceSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.set_attendance(session, **given.validated_data)
        return Response(SessionSerializer(session).data)

    @extend_schema(request=MaterialSerializer, responses={201: SessionSerializer})
    @action(detail=True, methods=["post"])
    def materials(self, request, pk=None):
        session = self.get_object()
        given = MaterialSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            _add_material(session, given.validated_data, request.user)
        except ValidationError as exc:
            return _bad_request(exc)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def ics(self, request, pk=None):
        session = self.get_object()
        try:
            data = services.session_ics(session)
        except ValidationError as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_501_NOT_IMPLEMENTED)
        response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
        return response


def _add_material(session, data: dict, user) -> None:
    if data.get("file") is not None:
        upload = data["file"]
        incoming = IncomingFile(upload.name, upload.read(), getattr(upload, "content_type", ""))
        services.add_file_material(session, incoming)
    elif data.get("article"):
        article = services.readable_articles(user).filter(pk=data["article"]).first()
        if article is None:
            raise ValidationError({"article": "no article with this id"})
        services.add_article_material(session, article)
    else:
        raise ValidationError({"detail": "give an article id or a file"})


# -- reports -----------------------------------------------------------------------------------


class KnowledgeReportView(APIView):
    """Article views, helpfulness, searches without a result, the deflection rate, course
    completion per role and per ERP group, overdue courses; ``?xlsx=1`` as a workbook."""

    required_permissions = ("knowledge.view_article",)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="first day (YYYY-MM-DD)"),
            OpenApiParameter("to", str, description="last day (YYYY-MM-DD)"),
            OpenApiParameter("xlsx", bool, description="answer an XLSX workbook"),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        try:
            period = services.parse_period(
                request.query_params.get("from"), request.query_params.get("to")
            )
        except ValidationError as exc:
            return _bad_request(exc)
        report = services.knowledge_report(period)
        if request.query_params.get("xlsx") in ("1", "true", "yes"):
            response = HttpResponse(
                services.report_workbook(report), content_type=XLSX_CONTENT_TYPE
            )
            response["Content-Disposition"] = 'attachment; filename="knowledge-report.xlsx"'
            return response
        return Response(report)


def register(router):
    router.register("courses", CourseViewSet, basename="course")
    router.register("course-assignments", CourseAssignmentViewSet, basename="course-assignment")
    router.register("enrolments", EnrolmentViewSet, basename="enrolment")
    router.register("course-attempts", AttemptViewSet, basename="course-attempt")
    router.register("my-courses", MyCourseViewSet, basename="my-course")
    router.register("training-sessions", TrainingSessionViewSet, basename="training-session")
