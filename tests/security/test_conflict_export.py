"""An access snapshot's SoD conflicts as evidence files: the PDF and the workbook an auditor
files, from the console, the API and the CLI, in the reader's language."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from erpkeeper.security import services
from erpkeeper.targets.services import add_target
from tests.security.test_interfaces import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    return services.take_snapshot(target)


def pdf_text(body: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    done = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True)
    return done.stdout.decode()


def conflict_sheet(body: bytes) -> list[tuple]:
    book = load_workbook(io.BytesIO(body))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_api_gives_the_conflicts_as_pdf_and_workbook(snapshot, personas, api_client_for):
    sam = api_client_for(personas["sam"])
    url = f"/api/v1/security/snapshots/{snapshot.pk}/conflicts/"

    pdf = sam.get(url + "?as=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f"sod-conflicts-shop-{snapshot.pk}-" in pdf["Content-Disposition"]
    text = pdf_text(pdf.content)
    assert "Segregation of duties: shop" in text and "zhou.qiang" in text and "P2P-02" in text

    book = sam.get(url + "?as=xlsx")
    rows = conflict_sheet(book.content)
    assert rows[0][0] == "ERP login"
    found = [row for row in rows[1:] if row[0] == "zhou.qiang" and row[2] == "P2P-02"]
    assert found and "←" in found[0][-1]  # the path that grants each side

    bad = sam.get(url + "?as=doc")
    assert bad.status_code == 400 and bad.json() == {"as": ["json, pdf or xlsx"]}


def test_cli_writes_the_evidence_files(snapshot, capsys, tmp_path):
    code, out, _err = run(capsys, "security", "conflicts", "shop", "--pdf", str(tmp_path / "s.pdf"))
    assert code == 0 and "s.pdf" in out
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    book = tmp_path / "s.xlsx"
    code, _out, err = run(capsys, "security", "conflicts", "shop", "--xlsx", str(book))
    assert code == 0, err
    assert any(row[0] == "zhou.qiang" for row in conflict_sheet(book.read_bytes()))
    nowhere = "/nonexistent/dir/x.pdf"
    code, _out, err = run(capsys, "security", "conflicts", "shop", "--pdf", nowhere)
    assert code == 1 and f"cannot write {nowhere}" in err


def test_console_links_the_files_and_shows_the_trend(snapshot, personas, console_client_for):
    services.take_snapshot(snapshot.target)  # a second point for the trend line
    client = console_client_for(personas["sam"])
    page = client.get(f"/security/accesssnapshot/{snapshot.pk}/change/").content.decode()
    assert 'data-testid="conflicts-pdf"' in page and 'data-testid="conflict-trend"' not in page

    newest = services.latest_snapshot(snapshot.target)
    page = client.get(f"/security/accesssnapshot/{newest.pk}/change/").content.decode()
    assert 'data-testid="conflict-trend"' in page and "<polyline" in page
    response = client.get(f"/security/accesssnapshot/{newest.pk}/conflicts.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(f"/security/accesssnapshot/{newest.pk}/conflicts.doc").status_code == 403
