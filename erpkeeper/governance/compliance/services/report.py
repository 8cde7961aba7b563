"""The compliance report of an assessment, as PDF (zh-Hans or en, CJK fonts, the readiness
trend drawn as SVG) or XLSX (one sheet of requirements, one of controls)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.governance.compliance.models import Assessment, ControlResult
from erpkeeper.governance.compliance.services.evaluation import UNMAPPED, combine, trend
from erpkeeper.lib import svgchart
from erpkeeper.lib.evidence import EvidenceStatus
from erpkeeper.lib.exports import workbook_bytes
from erpkeeper.lib.pdf import pdf_bytes

FORMATS = ("pdf", "xlsx")


def status_label(status: str) -> str:
    if status == UNMAPPED:
        return _("No control mapped")
    return str(EvidenceStatus(status).label)


def requirement_rows(assessment: Assessment) -> list[dict]:
    requirements = assessment.framework.requirements.filter(retired=False).prefetch_related(
        "controls"
    )
    rows = []
    for requirement in requirements:
        status = assessment.statuses.get(requirement.urn, "") if requirement.assessable else ""
        rows.append(
            {
                "ref_id": requirement.ref_id,
                "name": requirement.name,
                "depth": requirement.depth,
                "assessable": requirement.assessable,
                "status": status,
                "status_text": status_label(status) if status else "",
                "controls": ", ".join(c.ref for c in requirement.controls.all()),
            }
        )
    return rows


def control_rows(assessment: Assessment) -> list[dict]:
    """The controls of the framework with their results at the assessment's evaluation."""
    results = ControlResult.objects.filter(
        control__requirements__framework=assessment.framework,
        period_end=assessment.period_end,
    ).select_related("control", "target")
    per_control: dict = {}
    for result in results.distinct():
        per_control.setdefault(result.control, []).append(result)
    rows = []
    for control, found in sorted(per_control.items(), key=lambda item: item[0].ref):
        status = combine([r.status for r in found])
        rows.append(
            {
                "ref": control.ref,
                "name": control.name,
                "status": status,
                "status_text": status_label(status),
                "owner": control.owner.get_username() if control.owner else "",
                "evidence": " | ".join(
                    f"{r.target.name if r.target else _('platform')}: {r.summary}" for r in found
                ),
            }
        )
    return rows


def trend_svg(assessment: Assessment) -> str:
    points = trend(assessment.framework, limit=24)
    chart = svgchart.LineChart([svgchart.Line(_("Readiness"), points)], unit="%", low=0, high=100)
    return svgchart.render(chart) if chart.has_data() else ""


def export_assessment(assessment: Assessment, fmt: str, language: str | None = None) -> bytes:
    """ValueError for another format; lib.pdf.PdfUnavailable where no PDF can be made."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    with translation.override(language or settings.LANGUAGE_CODE):
        if fmt == "xlsx":
            return workbook_bytes(
                [
                    (_("Requirements"), requirement_rows(assessment), _requirement_columns()),
                    (_("Controls"), control_rows(assessment), _control_columns()),
                ]
            )
        return pdf_bytes(render_report(assessment))


def render_report(assessment: Assessment) -> str:
    return render_to_string(
        "governance/compliance/report.html",
        {
            "assessment": assessment,
            "framework": assessment.framework,
            "requirements": requirement_rows(assessment),
            "controls": control_rows(assessment),
            "trend_svg": trend_svg(assessment),
            "generated": timezone.now(),
            "LANGUAGE_CODE": translation.get_language(),
        },
    )


def export_filename(assessment: Assessment, fmt: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in assessment.framework.ref_id).strip("-")
    return f"compliance-{slug.lower()}-{assessment.pk}.{fmt}"


def _requirement_columns():
    return [
        ("ref_id", _("Reference")),
        ("name", _("Requirement")),
        ("status_text", _("Status")),
        ("controls", _("Controls")),
    ]


def _control_columns():
    return [
        ("ref", _("Control")),
        ("name", _("Name")),
        ("status_text", _("Status")),
        ("owner", _("Owner")),
        ("evidence", _("Evidence")),
    ]
