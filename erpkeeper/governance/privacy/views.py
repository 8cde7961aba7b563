"""Console pages of the personal-data map: every target's newest scan, one target's map (which
ERP model holds which category, with a chart of the categories) and its PDF."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.admin import CATEGORY_VARIANTS, category_badge, confidence_badge
from erpkeeper.governance.privacy.detectors import Category, Confidence
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable, pdf_bytes
from erpkeeper.targets.models import Target

VIEW_PERMISSION = "governance.view_privacyscan"
CHART_COLOURS = {"danger": "#dc2626", "warning": "#d97706", "info": "#2563eb"}


def map_index(request):
    _require_view(request)
    rows = []
    for target in Target.objects.order_by("name"):
        scan = services.latest_scan(target)
        rows.append(
            {
                "target": target,
                "scan": scan,
                "url": reverse("governance-privacy-map", args=[target.pk]),
            }
        )
    context = {
        **admin.site.each_context(request),
        "title": _("Personal-data map"),
        "rows": rows,
    }
    return TemplateResponse(request, "governance/privacy/map_index.html", context)


def map_page(request, target_id: int):
    _require_view(request)
    target = _target(target_id)
    context = {
        **admin.site.each_context(request),
        "title": _("Personal-data map of %(target)s") % {"target": target.name},
        "pdf_url": reverse("governance-privacy-map-pdf", args=[target.pk]),
        "scans_url": reverse("admin:governance_privacyscan_changelist")
        + f"?target__id__exact={target.pk}",
        **map_context(target, _min_confidence(request)),
    }
    return TemplateResponse(request, "governance/privacy/map.html", context)


def map_pdf(request, target_id: int):
    _require_view(request)
    target = _target(target_id)
    html = render_to_string(
        "governance/privacy/map_pdf.html",
        {"generated": timezone.now(), **map_context(target, _min_confidence(request))},
    )
    try:
        pdf = pdf_bytes(html)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="privacy-map-{target.pk}.pdf"'
    return response


def map_context(target, min_confidence: str) -> dict:
    mapped = services.data_map(target, min_confidence=min_confidence)
    for entry in mapped["models"]:
        for item in entry["categories"]:
            item["badge"] = category_badge(item["category"])
            item["confidence_badge"] = confidence_badge(item["confidence"])
            item["confidence_label"] = Confidence(item["confidence"]).label
    totals = mapped["totals"]
    chart = None
    if totals:
        ordered = [c for c in Category if c.value in totals]
        chart = {
            "labels": [str(c.label) for c in ordered],
            "values": [totals[c.value] for c in ordered],
            "colours": [CHART_COLOURS[CATEGORY_VARIANTS[c]] for c in ordered],
            "label": _("Rows affected (estimate)"),
        }
        chart["svg"] = bar_svg(chart["labels"], chart["values"], chart["colours"])
    return {
        "target": target,
        "scan": mapped["scan"],
        "map_models": mapped["models"],
        "map_chart": chart,
        "min_confidence": min_confidence,
        "confidences": list(Confidence),
    }


def bar_svg(labels, values, colours) -> str:
    """Horizontal bars as inline SVG, for the PDF (no JavaScript there)."""
    row, left, width = 18, 170, 300
    top = max(values) or 1
    parts = []
    for n, (label, value, colour) in enumerate(zip(labels, values, colours, strict=True)):
        y = n * row
        bar = max(1, round(width * value / top))
        parts.append(
            format_html(
                '<text x="0" y="{}" font-size="10">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="12" fill="{}"/>'
                '<text x="{}" y="{}" font-size="10">{}</text>',
                y + 11,
                label,
                left,
                y + 2,
                bar,
                colour,
                left + bar + 5,
                y + 11,
                value,
            )
        )
    height = row * len(values)
    total = left + width + 60
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}">'
        "{}</svg>",
        total,
        height,
        total,
        height,
        mark_safe("".join(parts)),  # noqa: S308  (escaped above)
    )


def _min_confidence(request) -> str:
    wanted = request.GET.get("confidence", Confidence.LOW)
    return wanted if wanted in Confidence.values else Confidence.LOW


def _require_view(request) -> None:
    if not request.user.has_perm(VIEW_PERMISSION):
        raise PermissionDenied


def _target(target_id: int) -> Target:
    target = Target.objects.filter(pk=target_id).first()
    if target is None:
        raise Http404(_("No such target."))
    return target
