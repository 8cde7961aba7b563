"""Reading the trail: rows and the streamed CSV export (its filters: core/audit/filters.py)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

CSV_COLUMNS = [
    "sequence",
    "time",
    "actor",
    "actor_id",
    "source",
    "action",
    "object_type",
    "object_id",
    "object",
    "before",
    "after",
    "request_id",
    "prev_hash",
    "hash",
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Line:
    def write(self, value):
        return value


def _cell(value) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas: an object named "=cmd|..."
    # must not execute when the export is opened.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def entry_row(entry) -> dict:
    return {
        "sequence": entry.sequence,
        "time": entry.time.isoformat(),
        "actor": entry.actor_name,
        "actor_id": entry.actor_id,
        "source": entry.source,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def csv_lines(queryset, chunk_size: int = 2000) -> Iterator[str]:
    """The entries as CSV lines (header first), oldest first, reading in chunks."""
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    for entry in queryset.order_by("sequence").iterator(chunk_size=chunk_size):
        row = entry_row(entry)
        for key in ("before", "after"):
            value = row[key]
            row[key] = "" if value is None else json.dumps(value, ensure_ascii=False)
        for key in ("actor", "object_type", "object_id", "object", "request_id"):
            row[key] = _cell(row[key])
        yield writer.writerow([row[c] for c in CSV_COLUMNS])
