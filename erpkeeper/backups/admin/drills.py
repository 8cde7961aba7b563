"""Console pages for recovery drills: the evidence (RTO and RPO against the objectives, the
stored report), "Run drill now", and the report printable or downloaded as HTML."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.backups.forms import TargetDialogForm
from erpkeeper.backups.models import Drill
from erpkeeper.backups.services.drills import render_report, report_filename, report_pdf
from erpkeeper.backups.services.requests import request_drill
from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.lib.admin import (
    EvidenceAdminMixin,
    admin_link,
    duration_text,
    mark,
)
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable

DRILL_DIALOG = {
    "title": _("Run a recovery drill now?"),
    "description": _(
        "The newest good backup is restored into a scratch database, checked (row counts, "
        "the ERP's invariants) and timed against the objectives; the scratch copy is then "
        "dropped. Production is not touched."
    ),
    "form_class": TargetDialogForm,
    "form_submit_text": _("Run drill"),
}
# The report is stored HTML: let it style itself, never run or fetch anything.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def objective_text(measured: float | None, objective: int, met: bool | None):
    return format_html("{} / {} {}", duration_text(measured), duration_text(objective), mark(met))


@admin.register(Drill)
class DrillAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "target_column",
        "started",
        "status_badge",
        "rto_display",
        "rpo_display",
        "backup_link",
    ]
    list_display_links = ["id", "target_column"]
    list_filter = ["target", "status"]
    list_select_related = ["backup"]
    search_fields = ["target_name", "error"]
    actions_list = ["run_drill_now"]
    actions_detail = ["printable_report", "download_report", "download_report_pdf"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "target_link",
                    "status_badge",
                    "started",
                    "finished",
                    "backup_link",
                    "job_link",
                    "error_display",
                ]
            },
        ),
        (_("Objectives"), {"fields": ["rto_display", "rpo_display"]}),
    ]
    # The stored report, full width below the fields (sandboxed: see the template).
    change_form_after_template = "backups/admin/drill_report_frame.html"
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def has_run_drill_permission(self, request, object_id=None):
        return request.user.has_perm("backups.add_drill")

    # -- columns and fields ---------------------------------------------------------------------

    def status_text(self, obj) -> str:
        return obj.verdict

    @display(description=_("Target"), ordering="target_name")
    def target_column(self, obj):
        return obj.target_name

    @display(description=_("RTO measured / objective"))
    def rto_display(self, obj):
        return objective_text(obj.rto_seconds, obj.rto_target_seconds, obj.rto_met)

    @display(description=_("RPO achieved / objective"))
    def rpo_display(self, obj):
        return objective_text(obj.rpo_seconds, obj.rpo_target_seconds, obj.rpo_met)

    @display(description=_("Backup restored"))
    def backup_link(self, obj):
        return admin_link("admin:backups_backup_change", obj.backup_id, f"#{obj.backup_id}")

    @display(description=_("Target"))
    def target_link(self, obj):
        return admin_link("admin:targets_target_change", obj.target_id, obj.target_name)

    # -- actions -------------------------------------------------------------------------------

    @action(
        description=_("Run drill now"),
        icon="model_training",
        permissions=["run_drill"],
        variant=ActionVariant.PRIMARY,
        dialog=DRILL_DIALOG,
    )
    def run_drill_now(self, request, form):
        return show_job(request, request_drill(form.cleaned_data["target"], request.user))

    @action(
        description=_("Printable report"),
        icon="print",
        permissions=["view"],
        attrs={"target": "_blank"},
    )
    def printable_report(self, request, object_id):
        return self._report_response(get_object_or_404(Drill, pk=object_id))

    @action(description=_("Download report (HTML)"), icon="download", permissions=["view"])
    def download_report(self, request, object_id):
        drill = get_object_or_404(Drill, pk=object_id)
        response = self._report_response(drill)
        filename = report_filename(drill, "html")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @action(description=_("Download report (PDF)"), icon="picture_as_pdf", permissions=["view"])
    def download_report_pdf(self, request, object_id):
        drill = get_object_or_404(Drill, pk=object_id)
        try:
            pdf = report_pdf(drill, translation.get_language())
        except PdfUnavailable as exc:
            messages.error(request, _("No PDF: %(reason)s") % {"reason": exc})
            return redirect(reverse("admin:backups_drill_change", args=[drill.pk]))
        response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
        filename = report_filename(drill, "pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The report frame shows the drill in the reader's language, as the download does.
        drill = self.get_object(request, unquote(object_id))
        if drill is not None and drill.report_html:
            extra_context = {**(extra_context or {}), "report_html": report_in(drill)}
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _report_response(drill: Drill) -> HttpResponse:
        # In the requesting user's language (the middleware activated it); stored: the platform's.
        response = HttpResponse(report_in(drill), content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = REPORT_CSP
        return response


def report_in(drill: Drill) -> str:
    return render_report(drill, translation.get_language())
