"""Lists to XLSX, the same way from the console and the CLI (reports to PDF: lib/pdf.py).

openpyxl writes a bold, frozen header row with filters, columns sized to their text, dates as
dates. A text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first, as an
ERP user's name may be) is stored as plain text. openpyxl takes a tenth of a second to load:
callers on the path of every command import this module when they export.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@")
MAX_COLUMN_WIDTH = 60
SHEET_TITLE_LENGTH = 31  # the most a worksheet's name may hold


def columns_of(rows: Sequence[dict]) -> list[tuple[str, str]]:
    """Every key of ``rows`` in the order first seen, as (key, header) pairs."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return [(key, key) for key in keys]


def xlsx_bytes(
    rows: Sequence[dict], columns: Sequence[tuple[str, str]] | None = None, title: str = "Export"
) -> bytes:
    """``rows`` (dicts) as one worksheet: ``columns`` are (key, header) pairs, all keys when
    None."""
    return workbook_bytes([(title, rows, columns)])


def workbook_bytes(
    sheets: Sequence[tuple[str, Sequence[dict], Sequence[tuple[str, str]] | None]],
) -> bytes:
    """Several lists as one workbook, a worksheet each: ``(title, rows, columns)``, as for
    ``xlsx_bytes`` (a report with one sheet per measure)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows, columns in sheets:
        _write_sheet(book.create_sheet(_sheet_title(title)), rows, columns)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet, rows: Sequence[dict], columns) -> None:
    columns = list(columns) if columns is not None else columns_of(rows)
    sheet.append([str(header) for _key, header in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([cell_value(row.get(key)) for key, _header in columns])
    _keep_text_as_text(sheet)
    _size_columns(sheet, columns, rows)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = sheet.dimensions


def cell_value(value):
    """What a cell holds for a value of the platform's data."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Spreadsheets know no time zones: the moment as the platform's clock shows it.
        return value.astimezone().replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, bool | int | float | dt.date):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict | list | tuple):
        value = json.dumps(value, ensure_ascii=False, default=str)
    # A control character (a stray byte in an ERP's text) has no place in a worksheet and would
    # fail the whole export: it is shown as the replacement character instead.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))


def _keep_text_as_text(sheet) -> None:
    # openpyxl treats a string starting with "=" as a formula: such text must stay text.
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = TYPE_STRING


def _size_columns(sheet, columns, rows: Iterable[dict]) -> None:
    widths = [len(str(header)) for _key, header in columns]
    for row in rows:
        for index, (key, _header) in enumerate(columns):
            widths[index] = max(widths[index], len(str(cell_value(row.get(key)))))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_COLUMN_WIDTH)


def _sheet_title(title: str) -> str:
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in str(title)).strip()
    return cleaned[:SHEET_TITLE_LENGTH] or "Export"
