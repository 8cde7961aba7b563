"""Service desk → Reports: the period picker and queue filter, charts of every measure (drawn by
unfold's Chart.js components, as the backups panel does), the numbers beside them, and *Export
to Excel* (one sheet per measure). Shown to who holds ``servicedesk.view_reports``."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from erpkeeper.lib.admin import BAD_COLOR, OK_COLOR, WARNING_COLOR
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.servicedesk.models import Priority, Queue, TicketStatus
from erpkeeper.servicedesk.services import reports
from erpkeeper.servicedesk.services.report_export import AGE_LABELS, report_pdf, report_workbook

PERMISSION = "servicedesk.view_reports"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLUE = "#2563eb"
PERIOD_FIELDS = ("from", "to", "queue")


def period_from(request) -> reports.ReportPeriod:
    """The period the page was asked for; bad input is said once and the default shown."""
    given = {name: request.GET.get(name, "").strip() for name in PERIOD_FIELDS}
    try:
        return reports.parse_period(given["from"], given["to"], queue=given["queue"])
    except ValidationError as exc:
        messages.error(request, validation_text(exc))
        return reports.parse_period()


def reports_page(request, admin_site) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    period = period_from(request)
    report = reports.desk_report(period)
    context = {
        **admin_site.each_context(request),
        "title": pgettext("service desk", "Reports"),
        "report": report,
        "charts": charts(report),
        "options": {name: chart_options(**axis) for name, axis in OPTIONS.items()},
        "sla_rows": sla_rows(report),
        "backlog_statuses": [
            (TicketStatus(row["status"]).label, row["tickets"])
            for row in report["backlog"]["statuses"]
        ],
        "queues": Queue.objects.order_by("name"),
        "period": period,
        "export_url": reverse("admin:servicedesk_ticket_reports_export")
        + "?"
        + urlencode(_query(period)),
        "pdf_url": reverse("admin:servicedesk_ticket_reports_pdf")
        + "?"
        + urlencode(_query(period)),
    }
    return TemplateResponse(request, "servicedesk/admin/reports.html", context)


def export_workbook(request) -> HttpResponse:
    """The page's report as an XLSX workbook."""
    return _export(request, report_workbook, XLSX_CONTENT_TYPE, "xlsx")


def export_pdf(request) -> HttpResponse:
    """The page's report's tables as a PDF."""
    return _export(request, report_pdf, PDF_CONTENT_TYPE, "pdf")


def _export(request, make, content_type: str, extension: str) -> HttpResponse:
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    given = {name: request.GET.get(name, "").strip() for name in PERIOD_FIELDS}
    back = reverse("admin:servicedesk_ticket_reports") + "?" + urlencode(given)
    try:
        period = reports.parse_period(given["from"], given["to"], queue=given["queue"])
        content = make(reports.desk_report(period))
    except ValidationError as exc:
        messages.error(request, validation_text(exc))
        return redirect(back)
    except PdfUnavailable as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"servicedesk-report-{stamp}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _query(period: reports.ReportPeriod) -> dict:
    query = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if period.queue is not None:
        query["queue"] = period.queue.name
    return query


# -- charts ----------------------------------------------------------------------------------------


def charts(report: dict) -> dict[str, str]:
    """Each chart's data as the JSON unfold's chart components read."""
    return {
        "volume": _json(volume_chart(report)),
        "backlog": _json(backlog_chart(report)),
        "sla": _json(sla_chart(report)),
        "csat": _json(csat_chart(report)),
        "categories": _json(_bars(report["categories"], "label", _("Tickets created"), BLUE)),
        "modules": _json(_bars(report["erp_modules"], "erp_module", _("Tickets created"), BLUE)),
        "workload": _json(workload_chart(report)),
    }


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def chart_options(**y_axis) -> str:
    """Chart.js options: unfold's defaults draw a page's bars over each other without a legend;
    these bars stand side by side, named in a legend, counted in whole numbers."""
    legend = {
        "display": True,
        "position": "top",
        "align": "end",
        "labels": {
            "boxWidth": 8,
            "boxHeight": 8,
            "usePointStyle": True,
            "pointStyle": "circle",
            "color": "#9ca3af",
        },
    }
    return _json({
        "animation": False,
        "responsive": True,
        "maintainAspectRatio": False,
        "datasets": {"bar": {"borderRadius": 4, "maxBarThickness": 28},
                     "line": {"borderWidth": 2, "pointRadius": 3}},
        "plugins": {"legend": legend, "tooltip": {"enabled": True}},
        "scales": {
            "x": {"grid": {"display": False}, "ticks": {"color": "#9ca3af"}},
            "y": {"beginAtZero": True, "ticks": {"precision": 0, "color": "#9ca3af"}, **y_axis},
        },
    })  # fmt: skip


OPTIONS = {
    "counts": {},
    "percent": {"max": 100},
    "rating": {"min": 1, "max": 5, "beginAtZero": False},
}


def volume_chart(report: dict) -> dict:
    rows = report["volume"]
    return {
        "labels": [row["period"][5:] for row in rows],
        "datasets": [
            _dataset(pgettext("desk report", "Created"), [row["created"] for row in rows], BLUE),
            _dataset(
                pgettext("desk report", "Resolved"), [row["resolved"] for row in rows], OK_COLOR
            ),
        ],
    }


def backlog_chart(report: dict) -> dict:
    ages = report["backlog"]["ages"]
    colours = [OK_COLOR, OK_COLOR, WARNING_COLOR, BAD_COLOR, BAD_COLOR]
    return {
        "labels": [AGE_LABELS[row["age"]] for row in ages],
        "datasets": [_dataset(_("Active tickets"), [row["tickets"] for row in ages], colours)],
    }


def sla_chart(report: dict) -> dict:
    rows = report["sla"]
    return {
        "labels": [str(Priority(row["priority"]).label) for row in rows],
        "datasets": [
            _dataset(_("First response met (%)"), [r["response_percent"] for r in rows], BLUE),
            _dataset(_("Resolution met (%)"), [r["resolution_percent"] for r in rows], OK_COLOR),
        ],
    }  # fmt: skip


def csat_chart(report: dict) -> dict:
    trend = report["csat"]["trend"]
    return {
        "labels": [row["week"][5:] for row in trend],
        "datasets": [
            {
                **_dataset(_("Average satisfaction"), [row["average"] for row in trend], BLUE),
                "spanGaps": True,
                "borderColor": BLUE,
            },
        ],
    }


def workload_chart(report: dict) -> dict:
    rows = report["workload"]
    return {
        "labels": [row["name"] or pgettext("desk report", "Nobody") for row in rows],
        "datasets": [
            _dataset(
                pgettext("desk report", "Active"), [row["active"] for row in rows], WARNING_COLOR
            ),
            _dataset(_("Resolved in the period"), [row["resolved"] for row in rows], OK_COLOR),
        ],
    }


def _bars(rows: list[dict], label_key: str, title: str, colour: str) -> dict:
    return {
        "labels": [row[label_key] for row in rows],
        "datasets": [_dataset(title, [row["tickets"] for row in rows], colour)],
    }


def _dataset(label: str, values: list, colour) -> dict:
    return {
        "label": label,
        "data": values,
        "backgroundColor": colour,
        "maxBarThickness": 28,
        "displayYAxis": True,
    }


def sla_rows(report: dict) -> list[dict]:
    """The SLA table's rows with the priorities' names."""
    return [{**row, "label": Priority(row["priority"]).label} for row in report["sla"]]
