"""Knowledge → Reports: article views, helpfulness, searches without a result, the deflection
rate (the desk's own figure), course completion per role and per ERP group, overdue courses;
Chart.js charts through unfold's components (as the desk's reports), and *Export to Excel*.
Shown to who may view articles."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.knowledge import services
from erpkeeper.lib.admin import BAD_COLOR, OK_COLOR
from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.admin.reports import chart_options

PERMISSION = "knowledge.view_article"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLUE = "#2563eb"


def _period(request):
    given = (request.GET.get("from", "").strip(), request.GET.get("to", "").strip())
    try:
        return services.parse_period(*given)
    except ValidationError as exc:
        messages.error(request, validation_text(exc))
        return services.parse_period()


def reports_page(request, admin_site, opts) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    period = _period(request)
    report = services.knowledge_report(period)
    query = urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})
    context = {
        **admin_site.each_context(request),
        "opts": opts,
        "title": _("Knowledge reports"),
        "report": report,
        "period": period,
        "charts": charts(report),
        "options": {"counts": chart_options(), "percent": chart_options(max=100)},
        "export_url": reverse("admin:knowledge_reports_export") + "?" + query,
    }
    return TemplateResponse(request, "knowledge/admin/reports.html", context)


def export_workbook(request) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    report = services.knowledge_report(_period(request))
    response = HttpResponse(services.report_workbook(report), content_type=XLSX_CONTENT_TYPE)
    name = f"knowledge-report-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def charts(report: dict) -> dict[str, str]:
    views = report["views_per_day"]
    return {
        "views": _json(
            {
                "labels": [row["day"].isoformat()[5:] for row in views],
                "datasets": [_dataset(_("Article views"), [r["views"] for r in views], BLUE)],
            }
        ),
        "completion": _json(
            _completion(report["completion_by_role"] + report["completion_by_erp_group"])
        ),
    }


def _completion(rows: list[dict]) -> dict:
    return {
        "labels": [row["name"] for row in rows],
        "datasets": [
            _dataset(_("Assigned"), [row["assigned"] for row in rows], BLUE),
            _dataset(_("Completed"), [row["completed"] for row in rows], OK_COLOR),
            _dataset(_("Overdue"), [row["overdue"] for row in rows], BAD_COLOR),
        ],
    }


def _dataset(label: str, data: list, color: str) -> dict:
    return {"label": label, "data": data, "backgroundColor": color, "borderColor": color}


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
