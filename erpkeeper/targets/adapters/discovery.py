"""Bounded reading of an ERP database's text columns, for personal-data discovery.

What a scan needs from the database and nothing more: the tables and their text-like columns,
row and non-empty counts, a bounded strided sample of one column's non-empty values, and a full
streaming scan of a table's columns on request. SQLite, PostgreSQL and MariaDB/MySQL, read-only,
every statement under a time limit (``erpkeeper.lib.bounded_db``). Values read here are handed
to the caller and never kept, logged or put in an error message.

Load stays bounded without ``ORDER BY RANDOM()`` (a sort of the whole table): a sample takes
the rows whose ``id`` falls on a stride (``MOD(id, k) = r``, with ``k`` from the column's
non-empty count and ``r`` random), so values come from the whole table and the statement stops
at ``LIMIT``. A full scan pages by ``id`` (keyset), so that no statement runs long.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.lib.i18n import gettext as _
from erpkeeper.targets.adapters.base import AdapterError, Record, ServerUnreachable

READ_TIMEOUT_MS = 30_000
PAGE_ROWS = 5_000
MAX_VALUE_CHARS = 4_000  # a longer text is cut: personal data sits in its first pages

# Field types (as ``ColumnField.field_type``) whose values are codes the ERP chose (a state, a
# model reference), never personal data: a scan does not read their columns.
NOT_FREE_TEXT = {"selection", "reference", "multiselection", "many2one", "one2many", "boolean"}
TEXT_TYPES = {
    "postgresql": {"character varying", "text", "character", "citext"},
    "mysql": {"varchar", "char", "text", "tinytext", "mediumtext", "longtext"},
}
COLUMNS_SQL = {
    "postgresql": (
        "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
        "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
        "AND t.table_name = c.table_name WHERE c.table_schema = current_schema() "
        "AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position"
    ),
    "mysql": (
        "SELECT c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE FROM information_schema.COLUMNS c "
        "JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA "
        "AND t.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() "
        "AND t.TABLE_TYPE = 'BASE TABLE' ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"
    ),
    "sqlite": (
        "SELECT m.name, p.name, p.type FROM sqlite_master AS m "
        "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table' "
        "AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
    ),
}


@dataclass
class TextColumn(Record):
    table: str
    column: str
    data_type: str


@dataclass
class ColumnField(Record):
    """The ERP's meaning of a column: its model and field (Tryton: ir.model.field)."""

    model: str
    field: str
    label: str = ""
    field_type: str = ""  # char, text, selection ... as the ERP says


@dataclass
class TableCounts(Record):
    rows: int
    non_empty: dict[str, int]  # column -> rows where it holds a non-empty value


def is_text_type(engine: str, data_type: str) -> bool:
    kind = (data_type or "").lower()
    if engine == "sqlite":
        # SQLite's affinity rules: a declared type naming CHAR, TEXT or CLOB is text.
        return any(word in kind for word in ("char", "text", "clob"))
    return kind in TEXT_TYPES.get(engine, ())


class ColumnReader:
    """Read-only, time-limited reading of text columns. Use as a context manager."""

    def __init__(self, database_url: str, *, timeout_ms: int = READ_TIMEOUT_MS, seed=None):
        try:
            self.db = BoundedConnection(database_url, timeout_ms=timeout_ms)
        except ConnectionFailed as exc:
            raise ServerUnreachable(str(exc)) from None
        self.engine = self.db.engine
        self.bytes_read = 0
        self._random = random.Random(seed)
        self._all: dict[str, set[str]] = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ catalogue
    def text_columns(self) -> list[TextColumn]:
        """Every text-like column of every table, in table order."""
        found = []
        all_columns: dict[str, set[str]] = {}
        for table, column, data_type in self._rows(COLUMNS_SQL[self.engine]):
            all_columns.setdefault(str(table), set()).add(str(column))
            if is_text_type(self.engine, str(data_type or "")):
                found.append(TextColumn(str(table), str(column), str(data_type or "")))
        self._all = all_columns
        return found

    def has_column(self, table: str, column: str) -> bool:
        if not self._all:
            self.text_columns()
        return column in self._all.get(table, ())

    def has_id(self, table: str) -> bool:
        return self.has_column(table, "id")

    def quote(self, name: str) -> str:
        if self.engine == "mysql":
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    # ------------------------------------------------------------------ counts
    def table_counts(self, table: str, columns: Sequence[str]) -> TableCounts:
        """Rows of ``table`` and, per column, rows holding a non-empty value (one pass)."""
        parts = ["COUNT(*)"] + [f"COUNT(NULLIF({self.quote(c)}, ''))" for c in columns]
        row = self._rows(f"SELECT {', '.join(parts)} FROM {self.quote(table)}")[0]
        return TableCounts(
            int(row[0] or 0), {c: int(n or 0) for c, n in zip(columns, row[1:], strict=True)}
        )

    def count_before(self, table: str, date_column: str, before: dt.datetime) -> int | None:
        """Rows of ``table`` whose ``date_column`` is before ``before`` (naive UTC, as ERPs
        store it); None when the table has no such column."""
        if not self.has_column(table, date_column):
            return None
        if before.tzinfo is not None:
            before = before.astimezone(dt.UTC).replace(tzinfo=None)
        param = before.isoformat(" ") if self.engine == "sqlite" else before
        sql = f"SELECT COUNT(*) FROM {self.quote(table)} WHERE {self.quote(date_column)} < %s"
        try:
            return int(self.db.scalar(sql, (param,)) or 0)
        except ConnectionFailed as exc:
            raise AdapterError(
                _("reading the ERP database failed: %(error)s") % {"error": exc}
            ) from None

    # ------------------------------------------------------------------ sampling
    def sample(
        self, table: str, column: str, size: int, *, non_empty: int, label: str = ""
    ) -> list[tuple[str, str]]:
        """Up to ``size`` non-empty values of ``column`` spread over the table, as
        ``(label, value)`` pairs (``label`` is another column read alongside, such as Tryton's
        identifier ``type``; "" without one)."""
        if size <= 0 or non_empty <= 0:
            return []
        col = self.quote(column)
        where = f"{col} IS NOT NULL AND {col} <> ''"
        stride = non_empty // size
        if stride > 1 and self.has_id(table):
            offset = self._random.randrange(stride)
            where += f" AND {self._mod('id', stride)} = {offset}"
        picked = f"{self.quote(label)}, {col}" if label else f"'', {col}"
        sql = f"SELECT {picked} FROM {self.quote(table)} WHERE {where} LIMIT {int(size)}"
        return [self._pair(row) for row in self._rows(sql)]

    def _mod(self, column: str, stride: int) -> str:
        if self.engine == "sqlite":
            return f"({self.quote(column)} % {int(stride)})"
        return f"MOD({self.quote(column)}, {int(stride)})"

    def _pair(self, row) -> tuple[str, str]:
        value = _text(row[1])
        self.bytes_read += len(value.encode("utf-8", "replace"))
        return _text(row[0]), value

    # ------------------------------------------------------------------ full scan
    def scan(
        self, table: str, columns: Sequence[str], *, labels: dict[str, str] | None = None
    ) -> Iterator[list[dict[str, tuple[str, str]]]]:
        """Every row of ``table``, a page at a time: per row, ``{column: (label, value)}`` for
        the columns holding a non-empty value. Pages by ``id`` when the table has one."""
        labels = labels or {}
        wanted = list(dict.fromkeys([*columns, *(v for v in labels.values() if v)]))
        names = ", ".join(self.quote(c) for c in wanted)
        if self.has_id(table):
            yield from self._scan_by_id(table, names, wanted, columns, labels)
        else:
            yield from self._scan_by_offset(table, names, wanted, columns, labels)

    def _scan_by_id(self, table, names, wanted, columns, labels):
        last = None
        while True:
            after = "" if last is None else f" WHERE {self.quote('id')} > {int(last)}"
            sql = (
                f"SELECT {self.quote('id')}, {names} FROM {self.quote(table)}{after} "
                f"ORDER BY {self.quote('id')} LIMIT {PAGE_ROWS}"
            )
            rows = self._rows(sql)
            if not rows:
                return
            last = rows[-1][0]
            yield [self._scanned(row[1:], wanted, columns, labels) for row in rows]
            if len(rows) < PAGE_ROWS:
                return

    def _scan_by_offset(self, table, names, wanted, columns, labels):
        offset = 0
        while True:
            sql = f"SELECT {names} FROM {self.quote(table)} LIMIT {PAGE_ROWS} OFFSET {offset}"
            rows = self._rows(sql)
            if not rows:
                return
            offset += len(rows)
            yield [self._scanned(row, wanted, columns, labels) for row in rows]
            if len(rows) < PAGE_ROWS:
                return

    def _scanned(self, row, wanted, columns, labels) -> dict[str, tuple[str, str]]:
        values = dict(zip(wanted, row, strict=True))
        found = {}
        for column in columns:
            value = _text(values[column])
            if value:
                self.bytes_read += len(value.encode("utf-8", "replace"))
                label = labels.get(column)
                found[column] = (_text(values[label]) if label else "", value)
        return found

    # ------------------------------------------------------------------ plumbing
    def _rows(self, sql: str) -> list[tuple]:
        try:
            return self.db.rows(sql)
        except ConnectionFailed as exc:
            # The message names the database and the reason, never a value read.
            raise AdapterError(
                _("reading the ERP database failed: %(error)s") % {"error": exc}
            ) from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes | memoryview):
        value = bytes(value).decode("utf-8", "replace")
    return str(value)[:MAX_VALUE_CHARS]
