"""One access snapshot's SoD conflicts as evidence, PDF or XLSX in the reader's language: every
conflict with the path that grants each side, the users x risks matrix, the administrators, the
conflict counts of the target's snapshots over time, and the audit chain's head at export time."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from erpkeeper.lib import svgchart
from erpkeeper.lib.exports import workbook_bytes
from erpkeeper.lib.pdf import pdf_bytes
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.security.services.analysis import conflicts_report
from erpkeeper.security.services.review_export import chain_head
from erpkeeper.security.services.via import SEVERITY_LABELS, STATUS_LABELS, via_steps
from erpkeeper.security.sod.rules import text_in

FORMATS = ("pdf", "xlsx")
TREND_DAYS = 180


def export_conflicts(snapshot: AccessSnapshot, fmt: str, language: str | None = None) -> bytes:
    """The snapshot's conflict report as ``fmt`` (pdf or xlsx); ValueError for another format,
    NoRuleSet without a rule set, lib.pdf.PdfUnavailable where no PDF can be made."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    language = language or settings.LANGUAGE_CODE
    report = conflicts_report(snapshot)
    head = chain_head()
    with translation.override(language):
        if fmt == "xlsx":
            return workbook_bytes(_sheets(report, head, language))
        return pdf_bytes(_render(snapshot, report, head, language))


def conflicts_filename(snapshot: AccessSnapshot, fmt: str) -> str:
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in snapshot.target_name)
    return f"sod-conflicts-{name}-{snapshot.pk}-{timezone.localdate():%Y%m%d}.{fmt}"


def conflict_rows(report: dict, language: str) -> list[dict]:
    risks = {risk["id"]: risk for risk in report["risks"]}
    rows = []
    for conflict in report["conflicts"]:
        risk = risks.get(conflict["risk"], {})
        rows.append(
            {
                "login": conflict["login"],
                "name": conflict["name"],
                "risk": conflict["risk"],
                "risk_name": text_in(risk.get("name", ""), language),
                "process": conflict["process"],
                "severity": conflict["severity"],
                "severity_label": str(SEVERITY_LABELS.get(conflict["severity"], "")),
                "status": conflict["status"],
                "status_label": str(STATUS_LABELS.get(conflict["status"], conflict["status"])),
                "mitigation": conflict["mitigation"] or "",
                "paths": " | ".join(_side_text(side) for side in conflict["sides"]),
            }
        )
    return rows


def _side_text(side: dict) -> str:
    """ "FUNCTION: permission via group ← role R; other permission via …", as the CLI writes
    a side."""
    grants = [
        _("%(permission)s via %(path)s")
        % {"permission": grant["permission"], "path": ", ".join(via_steps(grant["via"]))}
        for grant in side["grants"]
    ]
    return f"{side['function']}: " + "; ".join(grants)


def _sheets(report: dict, head: dict, language: str) -> list:
    columns = [
        ("login", _("ERP login")),
        ("name", _("Name")),
        ("risk", _("Risk")),
        ("risk_name", _("Risk name")),
        ("process", _("Process")),
        ("severity_label", _("Severity")),
        ("status_label", _("Status")),
        ("mitigation", _("Mitigating control")),
        ("paths", _("How each side is granted")),
    ]
    risk_ids = [risk["id"] for risk in report["risks"]]
    matrix = [
        {"login": login, **{risk: cells.get(risk, "") for risk in risk_ids}}
        for login, cells in sorted(report["matrix"].items())
    ]
    about = [
        {"item": _("Target"), "value": report["target"]},
        {"item": _("Snapshot taken"), "value": report["taken"]},
        {"item": _("Rule set"), "value": report["ruleset"]},
        {
            "item": _("Audit chain head (sequence:hash)"),
            "value": f"{head['sequence']}:{head['hash']}",
        },
        {"item": _("Exported at"), "value": timezone.localtime().isoformat(timespec="seconds")},
    ]
    return [
        (_("Conflicts"), conflict_rows(report, language), columns),
        (_("Users x risks"), matrix, [("login", _("ERP login"))] + [(r, r) for r in risk_ids]),
        (_("About this export"), about, [("item", _("Item")), ("value", _("Value"))]),
    ]


def _head_text(head: dict) -> str:
    return f"{head['sequence']}:{head['hash']}"  # as `audit verify --anchor` takes it


def trend_chart(snapshot: AccessSnapshot) -> str:
    """Conflicts per snapshot of the target over the last TREND_DAYS days, as inline SVG."""
    since = snapshot.started - dt.timedelta(days=TREND_DAYS)
    earlier = AccessSnapshot.objects.filter(
        target_name=snapshot.target_name,
        started__gte=since,
        started__lte=snapshot.started,
        conflicts__isnull=False,
    ).order_by("started")
    points = [(row.started, float(row.conflicts)) for row in earlier]
    critical = [(row.started, float(row.critical_conflicts or 0)) for row in earlier]
    chart = svgchart.LineChart(
        lines=[svgchart.Line(_("Conflicts"), points), svgchart.Line(_("Critical"), critical)],
        title=_("SoD conflicts per snapshot"),
    )
    return mark_safe(svgchart.render(chart))  # noqa: S308 (built from numbers and our labels)


def _render(snapshot, report: dict, head: dict, language: str) -> str:
    risks = report["risks"]
    return render_to_string(
        "security/conflict_report.html",
        {
            "LANGUAGE_CODE": language,
            "snapshot": snapshot,
            "report": report,
            "rows": conflict_rows(report, language),
            "risks": [
                {
                    **risk,
                    "label": text_in(risk["name"], language),
                    "severity_label": SEVERITY_LABELS.get(risk["severity"], risk["severity"]),
                }
                for risk in risks
            ],
            "severity_counts": [
                (severity, SEVERITY_LABELS.get(severity, severity), count)
                for severity, count in report["by_severity"].items()
                if count
            ],
            "matrix": [
                {
                    "login": login,
                    "cells": [
                        (cells.get(r["id"], ""), SEVERITY_LABELS.get(cells.get(r["id"], ""), ""))
                        for r in risks
                    ],
                }
                for login, cells in sorted(report["matrix"].items())
            ],
            "trend": trend_chart(snapshot),
            "head": head,
            "generated": timezone.now(),
        },
    )
