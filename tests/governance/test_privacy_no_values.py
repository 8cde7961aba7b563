"""No scanned value is stored, logged, returned or exported: personal data is planted in a
real Tryton copy through Tryton's API, scanned (sampled and full, as a job from the CLI), and
then every planted value is looked for in the platform database's dump, the log output, the
CLI's output, the API's answers, the console's pages and the XLSX and PDF exports."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import zlib

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from openpyxl import load_workbook

from erpkeeper.cli import main
from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.models import ColumnFinding, PrivacyScan, RetentionRule
from erpkeeper.governance.privacy.views import map_context
from tests.fixtures.planted_pii import Planted


def leaked(planted: Planted, text: str) -> list[str]:
    """The planted values found in ``text`` (also with spaces and dashes taken out, the way a
    phone number could be reformatted on the way out)."""
    squeezed = re.sub(r"[\s-]", "", text)
    found = []
    for value in planted.values:
        plain = re.sub(r"[\s-]", "", value)
        if value in text or (len(plain) >= 8 and plain in squeezed):
            found.append(value)
    return found


def pdf_text(pdf: bytes) -> str:
    """Every stream of a PDF, inflated where it is compressed, as text."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            stream = zlib.decompress(stream)
        parts.append(stream.decode("utf-8", "replace"))
    return "\n".join(parts)


def xlsx_text(content: bytes) -> str:
    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(
        str(value) for row in sheet.iter_rows(values_only=True) for value in row if value
    )


@pytest.fixture
def all_logs():
    """Every log record at DEBUG of ERPKeeper's, Django's, Huey's and the root logger (the CLI
    configures logging again, which resets the root logger: the named ones keep the handler)."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))
            if record.exc_info:
                records.append(logging.Formatter().formatException(record.exc_info))

    handler = Keep(level=logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("", "erpkeeper", "django", "huey")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    yield records
    for logger, level in zip(loggers, levels, strict=True):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_the_checker_itself_sees_a_planted_value(planted):
    value = next(v for v in planted.values if v.startswith("+86 1"))
    assert value in leaked(planted, f"call {value} now")
    assert leaked(planted, f"call {value.replace(' ', '')} now")
    assert leaked(planted, "nothing here") == []


@pytest.mark.django_db(transaction=True)
def test_no_planted_value_reaches_the_database_logs_api_or_exports(
    capsys, all_logs, planted, erp, sam, api_client_for, console_client_for, tmp_path
):
    RetentionRule.objects.create(category="mobile", days=30)
    outputs: dict[str, str] = {}

    # 1. scans: a full one as a job from the CLI, a sampled one through the service
    assert main(["privacy", "scan", "erp", "--full", "--wait"]) == 0
    services.run_scan(erp, sample_size=50)
    scans = list(PrivacyScan.objects.order_by("pk"))
    assert [s.status for s in scans] == ["succeeded", "succeeded"]
    found = ColumnFinding.objects.filter(
        table="party_contact_mechanism", column="value", category="mobile"
    )
    assert found.count() == 2  # the scans did find the planted data ...

    # 2. the CLI's answers and workbook
    for command in (
        ["privacy", "scans"],
        ["privacy", "findings", "erp"],
        ["--json", "privacy", "map", "erp"],
        ["privacy", "rules"],
    ):
        assert main(command) == 0
    workbook = tmp_path / "findings.xlsx"
    assert main(["--xlsx", str(workbook), "privacy", "findings", "erp"]) == 0
    out = capsys.readouterr()
    outputs["cli"] = out.out + out.err
    outputs["cli xlsx"] = xlsx_text(workbook.read_bytes())

    # 3. the API
    api = api_client_for(sam)
    for url in (
        "/api/v1/privacy/scans/",
        f"/api/v1/privacy/scans/{scans[0].pk}/",
        f"/api/v1/privacy/scans/{scans[0].pk}/findings/",
        "/api/v1/privacy/findings/",
        "/api/v1/privacy/map/erp/",
        "/api/v1/privacy/retention-rules/",
        f"/api/v1/jobs/{scans[0].job_id}/",
    ):
        answer = api.get(url)
        assert answer.status_code == 200, url
        outputs[f"api {url}"] = answer.content.decode()

    # 4. the console's pages and exports
    console = console_client_for(sam)
    for url in (
        "/governance/privacyscan/",
        f"/governance/privacyscan/{scans[0].pk}/change/",
        "/governance/columnfinding/",
        f"/governance/privacy/map/{erp.pk}/",
        f"/core/job/{scans[0].job_id}/change/",
    ):
        page = console.get(url)
        assert page.status_code == 200, url
        outputs[f"console {url}"] = page.content.decode()
    for url_name, ids in (
        ("admin:governance_columnfinding_changelist", [f.pk for f in ColumnFinding.objects.all()]),
        ("admin:governance_privacyscan_changelist", [s.pk for s in scans]),
    ):
        exported = console.post(
            reverse(url_name), {"action": "export_xlsx", "_selected_action": ids}
        )
        assert exported.status_code == 200, url_name
        outputs[f"xlsx {url_name}"] = xlsx_text(exported.content)
    source = render_to_string("governance/privacy/map_pdf.html", map_context(erp, "low"))
    outputs["pdf source"] = source
    assert "party.contact_mechanism" in source  # the report does list the columns
    pdf = console.get(f"/governance/privacy/map/{erp.pk}/pdf/")
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
        outputs["pdf"] = pdf_text(pdf.content)

    # 5. the platform database, every table, as a dump (audit trail and jobs included)
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    outputs["database dump"] = dump.getvalue()
    assert '"model": "governance.columnfinding"' in outputs["database dump"]

    # 6. everything logged meanwhile
    outputs["logs"] = "\n".join(all_logs)
    assert any("privacy scan" in line for line in all_logs)

    leaks = {where: leaked(planted, text) for where, text in outputs.items()}
    assert {where: values for where, values in leaks.items() if values} == {}
