"""One personal-data scan of an ERP database, through its adapter, keeping counts only.

1. Plan: every text-like column (``ColumnReader.text_columns``) except the ERP's definition
   tables and the columns whose field holds codes the ERP chose (a Tryton selection).
2. Per table: one pass counts the rows and each column's non-empty values.
3. Per column: a strided sample of ``sample_size`` non-empty values (or, for a full scan, every
   row of the table a page at a time), each value run through the detectors and dropped.
4. Per column and category: matched / sampled is the match rate; rows affected is that rate
   times the column's non-empty rows (exact for a full scan); confidence weighs the rate, the
   column's name and the row's own label (Tryton's identifier ``type``).

Nothing but counts leaves this module: no value is kept, logged, or put in an error.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from erpkeeper.governance.privacy import detectors
from erpkeeper.governance.privacy.detectors import Category
from erpkeeper.targets.adapters.discovery import NOT_FREE_TEXT

# Tables whose names say they hold people: only there does "Name" look for English names.
PERSON_TABLES = ("party", "employee", "user", "contact", "address", "customer", "supplier")


@dataclass
class ColumnPlan:
    table: str
    column: str
    model: str = ""
    field: str = ""
    field_label: str = ""
    label_column: str = ""


@dataclass
class ColumnTally:
    plan: ColumnPlan
    hinted: set
    names_hinted: bool
    sampled: int = 0
    non_empty: int = 0
    matched: Counter = field(default_factory=Counter)
    labelled: Counter = field(default_factory=Counter)

    def add(self, label: str, value: str) -> None:
        self.sampled += 1
        found = detectors.categories(value, names_hinted=self.names_hinted)
        self.matched.update(found)
        named = detectors.label_category(label)
        if named is not None and named in found:
            self.labelled[named] += 1


@dataclass
class ColumnResult:
    table: str
    column: str
    model: str
    field: str
    category: str
    matched: int
    sampled: int
    non_empty: int
    match_rate: float
    rows_affected: int
    hinted: bool
    labelled: bool
    confidence: str


@dataclass
class ScanResult:
    tables_scanned: int = 0
    columns_scanned: int = 0
    values_read: int = 0
    bytes_read: int = 0
    seconds: float = 0.0
    findings: list[ColumnResult] = field(default_factory=list)


Progress = Callable[[float, str], None]


def plan_columns(adapter, reader) -> dict[str, list[ColumnPlan]]:
    """``{table: [ColumnPlan]}`` of the columns worth reading."""
    fields = adapter.column_fields()
    labels = adapter.labelled_columns()
    tables: dict[str, list[ColumnPlan]] = {}
    for text in reader.text_columns():
        if adapter.discovery_skips(text.table):
            continue
        meaning = fields.get((text.table, text.column))
        if meaning is not None and meaning.field_type in NOT_FREE_TEXT:
            continue
        tables.setdefault(text.table, []).append(
            ColumnPlan(
                text.table,
                text.column,
                getattr(meaning, "model", ""),
                getattr(meaning, "field", ""),
                getattr(meaning, "label", ""),
                labels.get((text.table, text.column), ""),
            )
        )
    return tables


def scan(
    adapter, *, sample_size: int, full: bool, progress: Progress | None = None, seed=None
) -> ScanResult:
    """Scan the adapter's ERP; raises the adapter's AdapterError when it cannot be read."""
    progress = progress or (lambda percent, message: None)
    started = time.monotonic()
    result = ScanResult()
    with adapter.column_reader(seed=seed) as reader:
        tables = plan_columns(adapter, reader)
        total = sum(len(columns) for columns in tables.values()) or 1
        done = 0
        for table, columns in tables.items():
            tallies = _read_table(reader, table, columns, sample_size, full)
            result.tables_scanned += 1
            result.columns_scanned += len(tallies)
            result.values_read += sum(t.sampled for t in tallies)
            result.findings.extend(r for t in tallies for r in _results(t, full))
            done += len(columns)
            progress(5 + 90 * done / total, table)
        result.bytes_read = reader.bytes_read
    result.seconds = time.monotonic() - started
    return result


def _read_table(reader, table: str, columns: list[ColumnPlan], size: int, full: bool):
    counts = reader.table_counts(table, [c.column for c in columns])
    tallies = [_tally(plan, counts.non_empty.get(plan.column, 0)) for plan in columns]
    live = [t for t in tallies if t.non_empty]
    if not live:
        return tallies
    if full:
        labels = {t.plan.column: t.plan.label_column for t in live if t.plan.label_column}
        by_column = {t.plan.column: t for t in live}
        for page in reader.scan(table, list(by_column), labels=labels):
            for row in page:
                for column, (label, value) in row.items():
                    by_column[column].add(label, value)
        return tallies
    for tally in live:
        pairs = reader.sample(
            table, tally.plan.column, size, non_empty=tally.non_empty, label=tally.plan.label_column
        )
        for label, value in pairs:
            tally.add(label, value)
    return tallies


def _tally(plan: ColumnPlan, non_empty: int) -> ColumnTally:
    hinted = detectors.hinted(plan.column, plan.field_label)
    names = Category.PERSON_NAME in hinted and any(w in plan.table for w in PERSON_TABLES)
    return ColumnTally(plan, hinted, names, non_empty=non_empty)


def _results(tally: ColumnTally, full: bool) -> list[ColumnResult]:
    found = []
    for category, matched in sorted(tally.matched.items()):
        rate = matched / tally.sampled if tally.sampled else 0.0
        hinted = category in tally.hinted
        labelled = tally.labelled[category] > 0
        found.append(
            ColumnResult(
                table=tally.plan.table,
                column=tally.plan.column,
                model=tally.plan.model,
                field=tally.plan.field,
                category=str(category),
                matched=matched,
                sampled=tally.sampled,
                non_empty=tally.non_empty,
                match_rate=round(rate, 4),
                rows_affected=matched if full else round(rate * tally.non_empty),
                hinted=hinted,
                labelled=labelled,
                confidence=str(
                    detectors.confidence(category, rate, hinted=hinted, labelled=labelled)
                ),
            )
        )
    return found
