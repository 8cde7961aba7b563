"""The service desk's report as a workbook, one sheet per measure, with headers in the
reader's language (the console's *Export to Excel* and ``erpkeeper ticket report --xlsx``), and
the same tables as a printable PDF (*PDF*, ``--pdf``)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from erpkeeper.lib.pdf import pdf_bytes
from erpkeeper.servicedesk.models import Priority, TicketStatus

AGE_LABELS = {
    "under_1d": "< 1 d",
    "1_3d": "1–3 d",
    "3_7d": "3–7 d",
    "7_30d": "7–30 d",
    "over_30d": "> 30 d",
}


def report_workbook(report: dict) -> bytes:
    """The XLSX file of ``report`` (as ``reports.desk_report`` made it)."""
    # Imported here: openpyxl takes a tenth of a second to load, paid only by an export.
    from erpkeeper.lib.exports import workbook_bytes  # noqa: PLC0415

    return workbook_bytes(report_sheets(report))


def report_pdf(report: dict) -> bytes:
    """The report's tables as a PDF (CJK fonts embedded); PdfUnavailable without the
    system's Pango library."""
    return pdf_bytes(report_html(report))


def report_html(report: dict) -> str:
    tables = [
        (title, [header for _key, header in columns],
         [["" if row.get(key) is None else str(row.get(key)) for key, _h in columns]
          for row in rows])
        for title, rows, columns in report_sheets(report)
    ]  # fmt: skip
    return render_to_string("servicedesk/report_print.html", {"report": report, "tables": tables})


def report_sheets(report: dict) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    return [
        _period_sheet(report),
        _volume_sheet(report),
        _backlog_sheet(report),
        _sla_sheet(report),
        _rates_sheet(report),
        _csat_sheet(report),
        _comments_sheet(report),
        _categories_sheet(report),
        _modules_sheet(report),
        _workload_sheet(report),
    ]


def _period_sheet(report: dict):
    period = report["period"]
    rows = [
        {"name": pgettext("desk report", "From"), "value": period["from"]},
        {"name": pgettext("desk report", "To"), "value": period["to"]},
        {"name": pgettext("desk report", "Queue"), "value": period["queue"] or _("All queues")},
        {"name": _("Affected target"), "value": period["target"] or _("All targets")},
    ]
    return (
        pgettext("desk report", "Period"),
        rows,
        [("name", pgettext("desk report", "Setting")), ("value", pgettext("desk report", "Value"))],
    )


def _volume_sheet(report: dict):
    columns = [
        (
            "period",
            pgettext("desk report", "Day") if report["period"]["group"] == "day" else _("Week of"),
        ),
        ("created", pgettext("desk report", "Created")),
        ("resolved", pgettext("desk report", "Resolved")),
    ]
    return _("Ticket volume"), report["volume"], columns


def _backlog_sheet(report: dict):
    rows = [
        {"what": _("Age %(age)s") % {"age": AGE_LABELS[row["age"]]}, "tickets": row["tickets"]}
        for row in report["backlog"]["ages"]
    ]
    rows += [
        {"what": TicketStatus(row["status"]).label, "tickets": row["tickets"]}
        for row in report["backlog"]["statuses"]
    ]
    rows.append({"what": _("Active tickets"), "tickets": report["backlog"]["total"]})
    return (
        pgettext("desk report", "Backlog"),
        rows,
        [
            ("what", pgettext("desk report", "Backlog")),
            ("tickets", pgettext("desk report", "Tickets")),
        ],
    )


def _sla_sheet(report: dict):
    rows = [{**row, "priority": Priority(row["priority"]).label} for row in report["sla"]]
    columns = [
        ("priority", pgettext("desk report", "Priority")),
        ("response_met", _("First responses in time")),
        ("response_missed", _("First responses late")),
        ("response_percent", _("First response met (%)")),
        ("resolution_met", _("Resolutions in time")),
        ("resolution_missed", _("Resolutions late")),
        ("resolution_percent", _("Resolution met (%)")),
    ]
    return _("SLA attainment"), rows, columns


def _rates_sheet(report: dict):
    fcr, reopened, deflection = (
        report["first_contact_resolution"],
        report["reopened"],
        report["deflection"],
    )
    rows = [
        {
            "measure": _("First contact resolution"),
            "part": fcr["first_contact"],
            "whole": fcr["resolved"],
            "percent": fcr["percent"],
        },
        {
            "measure": _("Reopen rate"),
            "part": reopened["reopened"],
            "whole": reopened["resolved"],
            "percent": reopened["percent"],
        },
        {
            "measure": _("Deflection rate"),
            "part": deflection["deflected"],
            "whole": deflection["searches"],
            "percent": deflection["percent"],
        },
    ]
    columns = [
        ("measure", pgettext("desk report", "Measure")),
        ("part", pgettext("desk report", "Counted")),
        ("whole", _("Out of")),
        ("percent", _("Rate (%)")),
    ]
    return pgettext("desk report", "Rates"), rows, columns


def _csat_sheet(report: dict):
    columns = [
        ("week", _("Week of")),
        ("ratings", pgettext("desk report", "Ratings")),
        ("average", _("Average satisfaction")),
    ]
    return pgettext("desk report", "Satisfaction"), report["csat"]["trend"], columns


def _comments_sheet(report: dict):
    columns = [
        ("number", pgettext("desk report", "Number")),
        ("subject", pgettext("desk report", "Subject")),
        ("rating", pgettext("desk report", "Rating")),
        ("comment", pgettext("desk report", "Comment")),
        ("resolved", pgettext("desk report", "Resolved")),
    ]
    return pgettext("desk report", "Comments"), report["csat"]["comments"], columns


def _categories_sheet(report: dict):
    columns = [
        ("label", pgettext("desk report", "Category")),
        ("tickets", pgettext("desk report", "Tickets")),
    ]
    return pgettext("desk report", "Categories"), report["categories"], columns


def _modules_sheet(report: dict):
    columns = [("erp_module", _("ERP module")), ("tickets", pgettext("desk report", "Tickets"))]
    return _("ERP modules"), report["erp_modules"], columns


def _workload_sheet(report: dict):
    rows = [
        {**row, "name": row["name"] or pgettext("desk report", "Nobody")}
        for row in report["workload"]
    ]
    columns = [
        ("name", pgettext("desk report", "Assignee")),
        ("active", pgettext("desk report", "Active")),
        ("new", TicketStatus.NEW.label),
        ("open", TicketStatus.OPEN.label),
        ("waiting", TicketStatus.WAITING.label),
        ("resolved", _("Resolved in the period")),
    ]
    return _("Agent workload"), rows, columns
