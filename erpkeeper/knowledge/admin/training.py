"""Courses, their quizzes, assignments, the learners' progress and the learner's own page
(*My training*) with the certificate check, in the console."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _text
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.knowledge import learner, services
from erpkeeper.knowledge.models import (
    Course,
    CourseAssignment,
    CourseState,
    CourseStep,
    Enrolment,
    Question,
    QuestionOption,
)
from erpkeeper.knowledge.services.courses import OptionDraft
from erpkeeper.lib.admin import ServiceSaveMixin, badge, when_text
from erpkeeper.lib.cli import validation_text

STATE_VARIANTS = {
    CourseState.DRAFT: "info",
    CourseState.PUBLISHED: "success",
    CourseState.RETIRED: "warning",
}


class CourseStepInline(TabularInline):
    model = CourseStep
    fields = ["position", "article"]
    autocomplete_fields = ["article"]
    extra = 1


class QuestionInline(TabularInline):
    model = Question
    fields = ["position", "text", "kind"]
    extra = 0
    show_change_link = True


@admin.register(Course)
class CourseAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["title", "language", "state_badge", "pass_mark", "owner", "learners"]
    list_filter = ["state", "language"]
    search_fields = ["title"]
    fields = ["title", "language", "description", "pass_mark", "owner", "state"]
    inlines = [CourseStepInline, QuestionInline]

    @display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("learners (passed)"))
    def learners(self, obj):
        done = obj.enrolments.filter(completed__isnull=False).count()
        return f"{obj.enrolments.count()} ({done})"

    def save_through_service(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        if obj.state == CourseState.PUBLISHED:
            # The steps are saved after the course: it is published once they are (save_related).
            request._publish_course = True
            obj.state = CourseState.DRAFT
        return services.save_course(obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        course = form.instance
        if getattr(request, "_publish_course", False):
            try:
                services.save_course(course, actor=request.user, state=CourseState.PUBLISHED)
            except ValidationError as exc:
                Course.objects.filter(pk=course.pk).update(state=CourseState.DRAFT)
                messages.warning(
                    request,
                    _text("Saved as a draft: %(problem)s") % {"problem": validation_text(exc)},
                )


class OptionFormSet(BaseInlineFormSet):
    """A question needs two answers or more and the right number marked right."""

    def clean(self):
        super().clean()
        options = [
            OptionDraft(f.cleaned_data.get("text", ""), f.cleaned_data.get("correct", False))
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        kind = self.instance.kind
        problem = services.question_problem(
            services.QuestionDraft(self.instance.text or "-", kind, options)
        )
        if problem:
            raise ValidationError(problem)


class QuestionOptionInline(TabularInline):
    model = QuestionOption
    formset = OptionFormSet
    fields = ["position", "text", "correct"]
    extra = 2


@admin.register(Question)
class QuestionAdmin(ModelAdmin):
    list_display = ["text", "course", "kind", "position"]
    list_filter = ["course"]
    fields = ["course", "position", "text", "kind"]
    inlines = [QuestionOptionInline]


class CourseAssignmentForm(forms.ModelForm):
    class Meta:
        model = CourseAssignment
        fields = ["course", "kind", "role", "user", "target", "erp_group", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "course" in self.fields:
            self.fields["course"].queryset = Course.objects.filter(state=CourseState.PUBLISHED)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not self.errors:
            candidate = CourseAssignment(
                **{k: v for k, v in cleaned.items() if k in self.Meta.fields}
            )
            candidate.role = candidate.role or ""
            try:
                services.check_assignment(candidate)
            except ValidationError as exc:
                raise ValidationError(validation_text(exc)) from None
        return cleaned


@admin.register(CourseAssignment)
class CourseAssignmentAdmin(ServiceSaveMixin, ModelAdmin):
    form = CourseAssignmentForm
    list_display = ["course", "kind", "who_text", "due_date", "learner_count", "not_mapped_count"]
    list_filter = ["kind", "course"]
    readonly_fields = ["not_mapped_list", "synced", "assigned_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["course", "kind", "role", "user", "target", "erp_group", *self.readonly_fields]

    def get_fields(self, request, obj=None):
        base = ["course", "kind", "role", "user", "target", "erp_group", "due_date"]
        return base if obj is None else [*base, "assigned_by", "synced", "not_mapped_list"]

    @display(description=_("who"))
    def who_text(self, obj):
        return obj.who

    @display(description=_("learners"))
    def learner_count(self, obj):
        return obj.enrolments.count()

    @display(description=_("not mapped"))
    def not_mapped_count(self, obj):
        return len(obj.not_mapped or [])

    @display(description=_("ERP users without a platform account"))
    def not_mapped_list(self, obj):
        return ", ".join(obj.not_mapped or []) or "–"

    def save_through_service(self, request, obj, form, change):
        if change:
            return None  # only the due date changes after the assignment is made
        assignment, result = services.assign_course(
            obj.course,
            kind=obj.kind,
            role=obj.role,
            user=obj.user,
            target=obj.target,
            erp_group=obj.erp_group,
            due_date=obj.due_date,
            actor=request.user,
        )
        messages.info(request, sync_text(result))
        return assignment

    def delete_model(self, request, obj):
        services.delete_assignment(obj)


def sync_text(result) -> str:
    return _text(
        "%(learners)d learners (%(added)d newly enrolled); %(unmapped)d ERP users have no "
        "platform account"
    ) % {"learners": result.learners, "added": result.added, "unmapped": len(result.not_mapped)}


@admin.register(Enrolment)
class EnrolmentAdmin(ModelAdmin):
    list_display = [
        "user",
        "course",
        "erp_group",
        "due_date",
        "best_score",
        "state_badge",
        "completed_text",
    ]
    list_filter = ["course", "erp_group", ("completed", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "course__title"]
    fields = [
        "user",
        "course",
        "assignment",
        "erp_group",
        "due_date",
        "best_score",
        "completed",
        "certificate_code",
    ]
    readonly_fields = [
        "user",
        "course",
        "assignment",
        "erp_group",
        "best_score",
        "completed",
        "certificate_code",
    ]

    def has_add_permission(self, request):
        return False

    @display(description=_("state"))
    def state_badge(self, obj):
        if obj.completed:
            return badge("success", _("Passed"))
        if obj.is_overdue():
            return badge("danger", _("Overdue"))
        return badge("info", _("To do"))

    @display(description=_("completed"), ordering="completed")
    def completed_text(self, obj):
        return when_text(obj.completed)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("mine/", wrap(self.my_training_view), name="knowledge_my_training"),
            path("mine/<int:pk>/", wrap(self.my_course_view), name="knowledge_my_course"),
            path(
                "mine/<int:pk>/certificate/",
                wrap(self.my_certificate_view),
                name="knowledge_my_certificate",
            ),
            path("verify/", wrap(self.verify_view), name="knowledge_verify_certificate"),
            *super().get_urls(),
        ]

    def _page(self, request, template, title, **extra):
        context = {**self.admin_site.each_context(request), "opts": self.opts, "title": title}
        return TemplateResponse(request, template, {**context, **extra})

    def my_training_view(self, request):
        """Every console user's own courses (no permission needed: one's own only)."""
        rows = learner.list_context(
            request.user, lambda e: reverse("admin:knowledge_my_course", args=[e.pk])
        )
        return self._page(request, "knowledge/admin/my_training.html", _("My training"), **rows)

    def my_course_view(self, request, pk):
        enrolment = learner.enrolment_of(request.user, pk)
        page = reverse("admin:knowledge_my_course", args=[pk])
        if request.method == "POST":
            return learner.handle_post(request, enrolment, page)
        certificate = reverse("admin:knowledge_my_certificate", args=[pk])
        context = learner.course_context(request, enrolment, certificate)
        return self._page(
            request, "knowledge/admin/my_course.html", enrolment.course.title, **context
        )

    def my_certificate_view(self, request, pk):
        return learner.certificate_response(learner.enrolment_of(request.user, pk))

    def verify_view(self, request):
        """Anyone in the team checks a certificate's code (what it proves is public)."""
        code = request.GET.get("code", "").strip()[:20]
        found = services.verify_certificate(code) if code else None
        return self._page(
            request,
            "knowledge/admin/verify.html",
            _("Verify a certificate"),
            code=code,
            found=found,
        )
