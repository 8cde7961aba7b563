"""Lists to Excel and reports to PDF, as a user opens them."""

import datetime as dt
import io
import re
import zlib

import pytest
from openpyxl import load_workbook

from erpkeeper.lib.exports import xlsx_bytes
from erpkeeper.lib.pdf import pdf_bytes


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_a_list_becomes_a_sheet_with_a_header_typed_cells_and_filters():
    moment = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)
    rows = [
        {"id": 1, "name": "mallory", "size": 1.5, "seen": moment, "groups": ["Accounting"]},
        {"id": 2, "name": "王芳", "size": None, "seen": None, "groups": []},
    ]
    sheet = sheet_of(
        xlsx_bytes(
            rows,
            [
                ("id", "ID"),
                ("name", "姓名"),
                ("size", "Size"),
                ("seen", "Seen"),
                ("groups", "Groups"),
            ],
            title="Users",
        )
    )

    assert sheet.title == "Users"
    assert [cell.value for cell in sheet[1]] == ["ID", "姓名", "Size", "Seen", "Groups"]
    assert sheet["A2"].value == 1 and sheet["C2"].value == 1.5
    assert isinstance(sheet["D2"].value, dt.datetime)
    assert sheet["E2"].value == '["Accounting"]'
    assert sheet["B3"].value == "王芳" and sheet["C3"].value is None
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"


def test_text_that_looks_like_a_formula_stays_text():
    evil = '=HYPERLINK("http://evil.example","click")'
    sheet = sheet_of(xlsx_bytes([{"name": evil}, {"name": "-1+2"}]))
    assert sheet["A2"].value == evil and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "-1+2" and sheet["A3"].data_type == "s"


def test_a_control_character_does_not_break_the_export():
    sheet = sheet_of(xlsx_bytes([{"name": "bad\x07byte", "tags": ["a\x1bb"]}]))
    assert sheet["A2"].value == "bad\ufffdbyte" and "\x1b" not in sheet["B2"].value


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF's objects with their compressed streams inflated (fonts live in object streams)."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_a_chinese_report_becomes_a_pdf_with_a_cjk_font_embedded(cjk_fonts):
    pdf = pdf_bytes("<html><body><h1>恢复演练报告</h1><p>Drill report</p></body></html>")
    assert pdf.startswith(b"%PDF-")
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", pdf_objects(pdf)))
    assert any(b"CJK" in name for name in fonts), fonts


def test_a_report_fetches_nothing_its_html_names(cjk_fonts, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    pdf = pdf_bytes(f'<html><body><img src="file://{secret}"><p>ok</p></body></html>')
    assert pdf.startswith(b"%PDF-") and b"top secret" not in pdf


@pytest.mark.parametrize("title", ["a/b:c*d?[e]", "", "x" * 40])
def test_any_title_makes_a_valid_sheet_name(title):
    sheet = sheet_of(xlsx_bytes([{"a": 1}], title=title))
    assert 0 < len(sheet.title) <= 31 and not set(sheet.title) & set("[]:*?/\\")
