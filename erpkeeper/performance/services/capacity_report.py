"""The capacity report as HTML (the console page's body and the printable file) and as a PDF,
with its charts drawn on the server (the same SVG on screen and on paper)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from erpkeeper.lib import svgchart
from erpkeeper.lib.pdf import pdf_bytes
from erpkeeper.lib.units import bytes_human
from erpkeeper.monitoring import forecast
from erpkeeper.performance.services.capacity import (
    CONNECTIONS_BUSY,
    CPU_BUSY,
    MEMORY_BUSY,
    CapacityReport,
    Verdict,
    disk_name,
)

VERDICT_COLOURS = {
    Verdict.OK: "#16a34a",
    Verdict.TIGHT: "#d97706",
    Verdict.SHORT: "#dc2626",
    Verdict.OVERSIZED: "#2563eb",
    Verdict.UNKNOWN: "#6b7280",
}


def report_context(report: CapacityReport) -> dict:
    """What the templates show, in the active language."""
    return {
        "report": report,
        "verdict": report.verdict,
        "verdict_colour": VERDICT_COLOURS[report.verdict],
        "advice": [
            {"item": item, "colour": VERDICT_COLOURS[item.verdict]} for item in report.advice
        ],
        "hosts": [_host_row(host) for host in report.hosts],
        "disks": [_disk_row(line, report.database_growth_per_day) for line in report.forecasts],
        "connections_chart": _chart(
            _("Database connections, % of the limit"),
            [(_("hourly average"), report.connections)],
            limit=CONNECTIONS_BUSY,
        ),
        "database_size": bytes_human(report.database_bytes) if report.database_bytes else "",
        "database_growth": (
            bytes_human(report.database_growth_per_day)
            if report.database_growth_per_day and report.database_growth_per_day > 0
            else ""
        ),
    }


def _host_row(host) -> dict:
    return {
        "capacity": host,
        "ram": bytes_human(host.ram_bytes) if host.ram_bytes else "",
        "cpu_chart": _chart(_("CPU, %"), [(_("hourly average"), host.cpu)], limit=CPU_BUSY),
        "memory_chart": _chart(
            _("Memory, %"),
            [(_("memory"), host.memory), (_("swap"), host.swap)],
            limit=MEMORY_BUSY,
        ),
    }


def _disk_row(line: forecast.DiskForecast, growth: float | None) -> dict:
    if line.days is not None:
        days = f"{line.days:.0f}"
    elif not line.limit_known and growth and growth > 0:
        days = _("not known: its disk is not monitored")
    elif not line.enough_history:
        days = _("too little history")
    else:
        days = _("not filling up")
    return {"name": disk_name(line), "days": days}


def _chart(title: str, lines, limit: float) -> str:
    chart = svgchart.LineChart(
        lines=[svgchart.Line(label, usage.points) for label, usage in lines if usage],
        unit="%",
        high=100.0,
        limit=limit,
        limit_label=_("threshold"),
        title=title,
    )
    # Our own markup from numbers and escaped labels: safe to place as it is.
    return mark_safe(svgchart.render(chart))  # noqa: S308


def render_report(report: CapacityReport, language: str | None = None) -> str:
    """The printable HTML report in ``language`` (en or zh-hans; default: the platform's)."""
    language = language or settings.LANGUAGE_CODE
    with translation.override(language):
        return render_to_string(
            "performance/capacity/report.html",
            {"LANGUAGE_CODE": language, **report_context(report)},
        )


def report_pdf(report: CapacityReport, language: str | None = None) -> bytes:
    """The report as a PDF (CJK fonts embedded); PdfUnavailable without Pango."""
    return pdf_bytes(render_report(report, language))


def report_filename(report: CapacityReport, extension: str) -> str:
    stamp = timezone.localtime(report.generated).strftime("%Y%m%d")
    return f"capacity-{report.target.name}-{stamp}.{extension}"
