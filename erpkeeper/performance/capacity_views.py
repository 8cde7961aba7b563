"""Console pages of the resource advice: every target's verdict, one target's capacity report
and its PDF. Mounted at /performance/capacity/ behind the console's sign-in."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.performance.services.capacity import (
    DEFAULT_DAYS,
    capacity_report,
    capacity_summary,
    period_days,
)
from erpkeeper.performance.services.capacity_report import (
    VERDICT_COLOURS,
    report_context,
    report_filename,
    report_pdf,
)
from erpkeeper.targets.models import Target

VIEW_PERMISSION = "performance.view_finding"


def capacity_index(request):
    _require_view(request)
    rows = []
    for target in Target.objects.order_by("name"):
        summary = capacity_summary(target)
        rows.append(
            {
                "target": target,
                "verdict": summary.verdict,
                "colour": VERDICT_COLOURS[summary.verdict],
                "first_advice": summary.concerns[0] if summary.concerns else "",
                "url": reverse("performance-capacity", args=[target.pk]),
            }
        )
    context = {**admin.site.each_context(request), "title": _("Capacity"), "rows": rows}
    return TemplateResponse(request, "performance/capacity/index.html", context)


def capacity_page(request, pk: int):
    _require_view(request)
    try:
        days = _days(request)
    except ValueError as exc:
        return _without_period(request, exc)
    report = capacity_report(_target(pk), days)
    context = {
        **admin.site.each_context(request),
        "title": _("Capacity of %(target)s") % {"target": report.target.name},
        "pdf_url": reverse("performance-capacity-pdf", args=[pk]) + f"?days={report.days}",
        "target_url": reverse("admin:targets_target_change", args=[pk]),
        **report_context(report),
    }
    return TemplateResponse(request, "performance/capacity/page.html", context)


def capacity_pdf(request, pk: int):
    _require_view(request)
    try:
        days = _days(request)
    except ValueError as exc:
        return _without_period(request, exc)
    report = capacity_report(_target(pk), days)
    try:
        pdf = report_pdf(report, translation.get_language())
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    filename = report_filename(report, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _require_view(request) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def _target(pk: int) -> Target:
    target = Target.objects.filter(pk=pk).first()
    if target is None:
        raise Http404(_("No such target."))
    return target


def _days(request) -> int:
    """The period asked for (ValueError with the service's rule when it is not 1 to 365)."""
    return period_days(request.GET.get("days", DEFAULT_DAYS))


def _without_period(request, error: ValueError) -> HttpResponseRedirect:
    """Say why the period was refused and show the default one (the API answers 400)."""
    messages.error(request, str(error))
    return HttpResponseRedirect(request.path)
