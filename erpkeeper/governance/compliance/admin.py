"""Console (model admins) of governance.compliance (imported by erpkeeper.governance.admin):
frameworks with their requirement tree and the status of each requirement, loading a library
file, controls with status badges and evidence, manual evidence and exceptions (saved through
the services), results, assessments with the readiness trend (Chart.js) and the report."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.core.jobs.admin import show_requested_job
from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import (
    Assessment,
    Control,
    ControlException,
    ControlResult,
    ControlReview,
    Framework,
    FrameworkUpdate,
    ManualEvidence,
    Requirement,
    ReviewStatus,
)
from erpkeeper.governance.compliance.services import report
from erpkeeper.lib.admin import EvidenceAdminMixin, ServiceSaveMixin, badge, navigate
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.evidence import EvidenceStatus
from erpkeeper.lib.exports import XLSX_CONTENT_TYPE
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable

STATUS_VARIANTS = {
    EvidenceStatus.PASS: "success",
    EvidenceStatus.FAIL: "danger",
    EvidenceStatus.PARTIAL: "warning",
    EvidenceStatus.NOT_APPLICABLE: "info",
    EvidenceStatus.NOT_AVAILABLE: None,
    services.evaluation.UNMAPPED: None,
}


def status_badge(status: str) -> str:
    if not status:
        return "–"
    return badge(STATUS_VARIANTS.get(status), report.status_label(status))


class LoadForm(forms.Form):
    file = forms.FileField(label=_("Library file (YAML)"))


@admin.register(Framework)
class FrameworkAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["ref_id", "name_column", "version", "provider", "readiness", "loaded_at"]
    search_fields = ["ref_id", "name_zh", "name_en", "urn"]
    actions_list = ["load_library", "assess_all"]
    actions_detail = ["assess_now", "export_pdf", "export_xlsx"]
    fields = ["urn", "ref_id", "version", "name_zh", "name_en", "provider", "source_name"]
    fields += ["source_sha256", "builtin", "loaded_at"]
    readonly_fields = fields
    change_form_after_template = "governance/compliance/framework_tree.html"

    def has_change_permission(self, request, obj=None):
        return False

    def has_load_library_permission(self, request, object_id=None):
        return request.user.has_perm("governance.add_framework")

    def has_assess_all_permission(self, request, object_id=None):
        return request.user.has_perm("governance.add_assessment")

    has_assess_now_permission = has_assess_all_permission

    def has_export_pdf_permission(self, request, object_id=None):
        return request.user.has_perm("governance.view_assessment")

    has_export_xlsx_permission = has_export_pdf_permission

    @display(description=_("name"))
    def name_column(self, obj):
        return obj.name

    @display(description=_("readiness"))
    def readiness(self, obj):
        latest = obj.assessments.order_by("-created").first()
        return f"{latest.score:.1f}%" if latest else "–"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        framework = get_object_or_404(Framework, pk=object_id)
        latest = framework.assessments.order_by("-created").first()
        rows = report.requirement_rows(latest) if latest else _plain_rows(framework)
        for row in rows:
            row["badge"] = status_badge(row["status"]) if row["assessable"] else ""
        context = {
            **(extra_context or {}),
            "requirement_rows": rows,
            "assessment": latest,
            "updates": framework.updates.all()[:5],
        }
        return super().change_view(request, object_id, form_url, context)

    @action(description=_("Load a library file"), icon="upload_file", permissions=["load_library"])
    def load_library(self, request):
        return navigate(request, reverse("admin:governance_framework_load"))

    @action(description=_("Assess every framework now"), icon="fact_check")
    def assess_all(self, request):
        return show_requested_job(request, services.request_assessment(actor=request.user))

    @action(description=_("Assess now"), icon="fact_check", permissions=["assess_now"])
    def assess_now(self, request, object_id):
        framework = get_object_or_404(Framework, pk=object_id)
        return show_requested_job(request, services.request_assessment(framework, request.user))

    @action(description=_("Report (PDF)"), icon="picture_as_pdf", permissions=["export_pdf"])
    def export_pdf(self, request, object_id):
        return _export(request, object_id, "pdf")

    @action(description=_("Report (XLSX)"), icon="table", permissions=["export_xlsx"])
    def export_xlsx(self, request, object_id):
        return _export(request, object_id, "xlsx")

    def get_urls(self):
        load = path(
            "load/", self.admin_site.admin_view(self.load_view), name="governance_framework_load"
        )
        return [load, *super().get_urls()]

    def load_view(self, request):
        """Upload a library file: loaded (or updated) through the services, or every problem
        listed with its line, nothing loaded."""
        if not self.has_load_library_permission(request):
            raise PermissionDenied
        form = LoadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = services.load_library(upload.read(), source_name=upload.name)
            except ValidationError as exc:
                for problem in exc.messages:
                    form.add_error("file", problem)
            else:
                messages.success(request, _load_message(result))
                url = reverse("admin:governance_framework_change", args=[result.framework.pk])
                return navigate(request, url)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Load a framework library"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "governance/compliance/load.html", context)


def _load_message(result) -> str:
    if result.outcome == services.Outcome.CREATED:
        return gettext("Framework %(ref)s loaded.") % {"ref": result.framework.ref_id}
    if result.outcome == services.Outcome.UNCHANGED:
        return gettext("Framework %(ref)s is already loaded in this version.") % {
            "ref": result.framework.ref_id
        }
    update = result.update
    return gettext(
        "Framework %(ref)s updated to version %(version)s: %(added)d added, %(removed)d "
        "removed, %(changed)d changed; %(reviews)d controls to review."
    ) % {
        "ref": result.framework.ref_id,
        "version": result.framework.version,
        "added": len(update.added),
        "removed": len(update.removed),
        "changed": len(update.changed),
        "reviews": result.reviews,
    }


def _plain_rows(framework: Framework) -> list[dict]:
    return [
        {
            "ref_id": r.ref_id,
            "name": r.name,
            "depth": r.depth,
            "assessable": r.assessable,
            "status": "",
            "controls": ", ".join(c.ref for c in r.controls.all()),
        }
        for r in framework.requirements.filter(retired=False).prefetch_related("controls")
    ]


def _export(request, object_id, fmt: str) -> HttpResponse:
    framework = get_object_or_404(Framework, pk=object_id)
    assessment = framework.assessments.order_by("-created").first()
    page = reverse("admin:governance_framework_change", args=[framework.pk])
    if assessment is None:
        messages.error(request, gettext("Assess the framework first: there is no assessment."))
        return navigate(request, page)
    try:
        body = report.export_assessment(assessment, fmt, translation.get_language())
    except PdfUnavailable as exc:
        messages.error(request, str(exc))
        return navigate(request, page)
    response = HttpResponse(
        body, content_type=PDF_CONTENT_TYPE if fmt == "pdf" else XLSX_CONTENT_TYPE
    )
    filename = report.export_filename(assessment, fmt)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Requirement)
class RequirementAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["framework", "ref_id", "name_column", "assessable", "retired"]
    list_filter = ["framework", "assessable", "retired"]
    search_fields = ["ref_id", "name_zh", "name_en", "framework__ref_id"]
    list_select_related = ["framework"]
    fields = ["framework", "urn", "ref_id", "parent", "depth", "assessable", "name_zh"]
    fields += ["name_en", "description_zh", "description_en", "retired"]
    readonly_fields = fields

    @display(description=_("name"))
    def name_column(self, obj):
        return obj.name


@admin.register(Control)
class ControlAdmin(ModelAdmin):
    list_display = ["ref", "name_column", "status_column", "collectors_text", "owner", "frequency"]
    list_filter = ["frequency", "builtin"]
    search_fields = ["ref", "name_zh", "name_en"]
    list_select_related = ["owner"]
    autocomplete_fields = ["requirements"]
    fields = ["ref", "name_zh", "name_en", "description_zh", "description_en", "owner"]
    fields += ["frequency", "collectors", "requirements"]
    change_form_after_template = "governance/compliance/control_results.html"

    @display(description=_("name"))
    def name_column(self, obj):
        return obj.name

    @display(description=_("status"))
    def status_column(self, obj):
        latest = obj.results.order_by("-evaluated_at").values_list("evaluated_at", flat=True)
        when = latest.first()
        if when is None:
            return "–"
        statuses = obj.results.filter(evaluated_at=when).values_list("status", flat=True)
        return status_badge(services.combine(list(statuses)))

    @display(description=_("evidence collectors"))
    def collectors_text(self, obj):
        return ", ".join(obj.collectors) or gettext("manual evidence")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        control = get_object_or_404(Control, pk=object_id)
        when = control.results.order_by("-evaluated_at").values_list("evaluated_at", flat=True)
        results = control.results.filter(evaluated_at=when.first()).select_related("target")
        context = {
            **(extra_context or {}),
            "results": [(r, status_badge(r.status)) for r in results],
            "uploads": control.manual_evidence.all()[:20],
            "exceptions": control.exceptions.select_related("owner")[:20],
        }
        return super().change_view(request, object_id, form_url, context)


@admin.register(ControlResult)
class ControlResultAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["control", "target", "status_column", "summary", "evaluated_at"]
    list_filter = ["status", "control", "target"]
    list_select_related = ["control", "target"]
    fields = ["control", "target", "status", "summary", "evidence", "period_start"]
    fields += ["period_end", "evaluated_at"]
    readonly_fields = fields

    @display(description=_("status"), ordering="status")
    def status_column(self, obj):
        return status_badge(obj.status)


@admin.register(ManualEvidence)
class ManualEvidenceAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["control", "file_name", "valid_until", "uploaded_by", "created"]
    list_filter = ["control"]
    list_select_related = ["control", "uploaded_by"]
    fields = ["control", "file", "valid_until", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        upload = form.cleaned_data["file"]
        try:
            return services.add_manual_evidence(
                form.cleaned_data["control"],
                name=upload.name,
                content=upload.read(),
                valid_until=form.cleaned_data["valid_until"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            raise PermissionDenied(validation_text(exc)) from None


@admin.register(ControlException)
class ControlExceptionAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["control", "owner", "reason", "expires_on", "created"]
    list_select_related = ["control", "owner"]
    fields = ["control", "owner", "reason", "expires_on"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            return services.add_exception(
                data["control"], owner=data["owner"], reason=data["reason"],
                expires_on=data["expires_on"],
            )  # fmt: skip
        except ValidationError as exc:
            raise PermissionDenied(validation_text(exc)) from None


@admin.register(Assessment)
class AssessmentAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["framework", "score_column", "period_start", "period_end", "created"]
    list_filter = ["framework"]
    list_select_related = ["framework"]
    actions_list = ["assess_all"]
    fields = ["framework", "score", "counts", "period_start", "period_end", "created"]
    readonly_fields = fields
    change_form_after_template = "governance/compliance/assessment_trend.html"

    def has_assess_all_permission(self, request, object_id=None):
        return request.user.has_perm("governance.add_assessment")

    @display(description=_("readiness (%)"), ordering="score")
    def score_column(self, obj):
        return f"{obj.score:.1f}%"

    @action(description=_("Assess every framework now"), icon="fact_check",
            permissions=["assess_all"])  # fmt: skip
    def assess_all(self, request):
        return show_requested_job(request, services.request_assessment(actor=request.user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        assessment = get_object_or_404(Assessment, pk=object_id)
        points = services.trend(assessment.framework, limit=24)
        chart = {
            "labels": [when.strftime("%Y-%m-%d %H:%M") for when, _score in points],
            "scores": [score for _when, score in points],
            "label": gettext("Readiness (%)"),
        }
        counts = [(status_badge(status), n) for status, n in sorted(assessment.counts.items())]
        context = {**(extra_context or {}), "trend": chart, "status_counts": counts}
        return super().change_view(request, object_id, form_url, context)


@admin.register(FrameworkUpdate)
class FrameworkUpdateAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["framework", "from_version", "to_version", "counts", "created"]
    fields = ["framework", "from_version", "to_version", "added", "removed", "changed"]
    fields += ["source_sha256", "created"]
    readonly_fields = fields

    @display(description=_("added / removed / changed"))
    def counts(self, obj):
        return f"{len(obj.added)} / {len(obj.removed)} / {len(obj.changed)}"


@admin.register(ControlReview)
class ControlReviewAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["control", "update", "status", "created", "resolved_by"]
    list_filter = ["status"]
    list_select_related = ["control", "update__framework", "resolved_by"]
    actions_detail = ["resolve"]
    fields = ["control", "update", "requirements", "status", "note", "resolved_by"]
    fields += ["resolved_at", "created"]
    readonly_fields = fields

    def has_resolve_permission(self, request, object_id=None):
        if not request.user.has_perm("governance.change_controlreview"):
            return False
        return ControlReview.objects.filter(pk=object_id, status=ReviewStatus.OPEN).exists()

    @action(description=_("Mark reviewed"), icon="task_alt", permissions=["resolve"])
    def resolve(self, request, object_id):
        review = get_object_or_404(ControlReview, pk=object_id)
        services.resolve_review(review, actor=request.user)
        messages.success(request, gettext("Review done."))
        return navigate(request, reverse("admin:governance_controlreview_change", args=[review.pk]))
