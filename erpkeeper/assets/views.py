"""Console pages that are not model admins, mounted at /assets/ (``console_urls``):

/assets/import/                     upload an XLSX or CSV file (check only, or import)
/assets/export/?format=xlsx|csv     every asset as a file
/assets/inspections/<id>/record/    enter an inspection's results, item by item
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from erpkeeper.assets import services
from erpkeeper.assets.models import Inspection, InspectionState, ResultOutcome
from erpkeeper.lib.cli import validation_text

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
MAX_UPLOAD = 10 * 1024 * 1024


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("XLSX or CSV file"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file, import nothing"), required=False
    )


def _context(request, title, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, **extra}


def import_view(request):
    _require(request, "assets.add_asset")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_format = upload.name.rsplit(".", 1)[-1].lower()
        try:
            if upload.size > MAX_UPLOAD:
                raise ValidationError(_("The file is larger than 10 MB."))
            report = services.import_assets(
                upload.read(), file_format, dry_run=form.cleaned_data["dry_run"]
            )
        except ValidationError as exc:
            form.add_error("file", validation_text(exc))
        if report is not None and report.ok and not report.dry_run:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated.")
                % {"created": report.created, "updated": report.updated},
            )
            return redirect("admin:assets_asset_changelist")
    context = _context(
        request,
        _("Import assets"),
        form=form,
        report=report,
        columns=", ".join(services.ASSET_COLUMNS),
    )
    return TemplateResponse(request, "assets/import.html", context)


def export_view(request):
    _require(request, "assets.view_asset")
    file_format = request.GET.get("format", "xlsx")
    if file_format not in CONTENT_TYPES:
        return HttpResponseBadRequest(_("The format is xlsx or csv."))
    response = HttpResponse(
        services.export_assets(file_format=file_format), content_type=CONTENT_TYPES[file_format]
    )
    filename = services.export_filename(file_format)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def record_inspection_view(request, pk: int):
    _require(request, "assets.change_inspection")
    inspection = get_object_or_404(Inspection.objects.select_related("asset", "template"), pk=pk)
    items = inspection.template.items
    error = ""
    if request.method == "POST" and inspection.state == InspectionState.DUE:
        results = [
            {
                "item": item,
                "outcome": request.POST.get(f"outcome-{index}", ""),
                "note": request.POST.get(f"note-{index}", ""),
            }
            for index, item in enumerate(items)
        ]
        try:
            services.complete_inspection(
                inspection, results, actor=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            error = validation_text(exc)
        else:
            messages.success(request, _("Inspection recorded; the next one is scheduled."))
            return redirect(reverse("admin:assets_inspection_change", args=[inspection.pk]))
    context = _context(
        request,
        _("Inspection of %(asset)s") % {"asset": inspection.asset},
        inspection=inspection,
        items=list(enumerate(items)),
        outcomes=ResultOutcome.choices,
        error=error,
        posted=request.POST,
    )
    return TemplateResponse(request, "assets/record_inspection.html", context)
