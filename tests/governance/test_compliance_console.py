"""The compliance pages as a security auditor and a viewer see them: loading a library file
(a malformed one lists its problems), the requirement tree with statuses, controls with
badges, the assessment page with its trend, and the report as PDF (both languages) and XLSX."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from erpkeeper.governance.compliance import services
from erpkeeper.governance.compliance.models import Assessment, Control, Framework
from erpkeeper.governance.compliance.services import report

CISO_STYLE = Path(__file__).parent / "fixtures" / "ciso-style-sample.yaml"


@pytest.fixture
def assessed(db):
    services.load_builtin()
    services.load_builtin_controls()
    pipl = Framework.objects.get(ref_id="PIPL")
    services.assess_frameworks([pipl], targets=[])
    services.assess_frameworks([pipl], targets=[])
    return pipl


def test_an_auditor_uploads_a_library_and_a_malformed_one_lists_its_problems(
    sam, console_client_for
):
    client = console_client_for(sam)
    url = reverse("admin:governance_framework_load")

    broken = client.post(url, {"file": SimpleUploadedFile("bad.yaml", b"ref_id: X\n")})
    loaded = client.post(url, {"file": SimpleUploadedFile("s.yaml", CISO_STYLE.read_bytes())})

    assert broken.status_code == 200
    assert "line 1: urn: missing" in broken.content.decode()
    assert loaded.status_code == 302
    assert Framework.objects.get().ref_id == "SAMPLE-2024"


def test_a_viewer_may_not_load_a_library(victor, console_client_for, db):
    response = console_client_for(victor).get(reverse("admin:governance_framework_load"))

    assert response.status_code == 403


def test_the_framework_page_shows_the_tree_with_a_status_per_requirement(
    assessed, victor, console_client_for
):
    page = console_client_for(victor).get(
        reverse("admin:governance_framework_change", args=[assessed.pk])
    )

    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="requirement-tree"' in text
    assert "Art. 51(3)" in text and "CTL-BKP-01" in text
    assert "Not available" in text  # Art. 6: personal data mapped, no privacy module here


def test_controls_list_and_assessment_page_with_the_trend(assessed, sam, console_client_for):
    client = console_client_for(sam)
    controls = client.get(reverse("admin:governance_control_changelist")).content.decode()
    control = Control.objects.get(ref="CTL-GOV-02")
    detail = client.get(reverse("admin:governance_control_change", args=[control.pk]))
    assessment = Assessment.objects.filter(framework=assessed).first()
    page = client.get(reverse("admin:governance_assessment_change", args=[assessment.pk]))

    assert "CTL-GOV-02" in controls and "Fail" in controls and "Not available" in controls
    assert "No manual evidence that is still valid" in detail.content.decode()
    assert 'id="ek-readiness-chart"' in page.content.decode()


def test_the_report_exports_to_xlsx(assessed):
    assessment = Assessment.objects.filter(framework=assessed).first()

    book = load_workbook(io.BytesIO(report.export_assessment(assessment, "xlsx", "en")))

    requirements = list(book.worksheets[0].iter_rows(values_only=True))
    assert requirements[0][:3] == ("Reference", "Requirement", "Status")
    assert any(row[0] == "Art. 51(3)" for row in requirements)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs pdftoppm (poppler-utils)")
@pytest.mark.parametrize(("language", "words"), [("zh-hans", "个人信息"), ("en", "Readiness")])
def test_the_report_pdf_renders_in_both_languages(assessed, tmp_path, language, words):
    assessment = Assessment.objects.filter(framework=assessed).first()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.export_assessment(assessment, "pdf", language))

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", pdf, tmp_path / "p"],
                   check=True)  # fmt: skip
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True)

    assert list(tmp_path.glob("p*.png"))
    assert words in text.stdout
