"""Index advice for one query, with PgHero's rules (reference-next-domains.md, section 5.1):
a table of at least 500 rows; at most 2 columns, the most selective equality first; stop when
fewer than 50 rows are left; skip a column that leaves more than 30 % of the rows before it;
nothing when an existing index already starts with those columns.

Also: values for a query's placeholders (pg_stat_statements keeps ``$1``), sampled from the
scratch copy the proof runs on.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field

from sqlglot import exp

from erpkeeper.lib.bounded_db import BoundedConnection
from erpkeeper.performance.checks.base import EngineChecks
from erpkeeper.performance.sqlparse import (
    EQUALITY,
    RANGE,
    QueryShape,
    UnreadableQuery,
    parse,
)

MIN_TABLE_ROWS = 500
MAX_COLUMNS = 2
ROWS_LEFT_STOP = 50
KEEP_SHARE = 0.3
NAME_LIMIT = 63  # PostgreSQL's identifier length


@dataclass
class IndexAdvice:
    table: str
    columns: list[str]
    name: str
    ddl: str
    reason: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.table}({','.join(self.columns)})"


def advise(db: BoundedConnection, engine: EngineChecks, shape: QueryShape) -> list[IndexAdvice]:
    """The indexes that would serve ``shape``'s predicates on ``db``'s tables (read-only)."""
    found = []
    for table in dict.fromkeys(p.table for p in shape.predicates):
        advice = _advise_table(db, engine, table, [p for p in shape.predicates if p.table == table])
        if advice is not None:
            found.append(advice)
    return found


def _advise_table(db, engine: EngineChecks, table: str, predicates) -> IndexAdvice | None:
    info = engine.table_info(db, table)
    if info is None or info.rows < MIN_TABLE_ROWS:
        return None
    lookups = list(dict.fromkeys(p.column for p in predicates if p.kind in ("eq", "join")))
    ranges = list(dict.fromkeys(p.column for p in predicates if p.kind == "range"))
    distinct = {c: float(engine.distinct_values(db, table, c) or 1) for c in lookups}
    chosen, left = _choose(lookups, distinct, info.rows)
    if len(chosen) < MAX_COLUMNS and ranges and left >= ROWS_LEFT_STOP:
        chosen.append(ranges[0])  # a range column ends an index: nothing after it is used
    if not chosen or _covered(info.indexes, chosen):
        return None
    name = index_name(table, chosen)
    return IndexAdvice(
        table=table,
        columns=chosen,
        name=name,
        ddl=engine.create_index_sql(name, table, chosen, online=True),
        reason={
            "rows": info.rows,
            "rows_left": round(left, 1),
            "distinct": {c: round(distinct[c]) for c in chosen if c in distinct},
        },
    )


def _choose(lookups: list[str], distinct: dict, rows: int) -> tuple[list[str], float]:
    chosen: list[str] = []
    left = float(rows)
    for column in sorted(lookups, key=lambda c: -distinct[c]):
        if len(chosen) == MAX_COLUMNS or left < ROWS_LEFT_STOP:
            break
        narrowed = left / max(distinct[column], 1.0)
        if chosen and narrowed > KEEP_SHARE * left:
            continue  # this column hardly narrows what the first one left
        chosen.append(column)
        left = narrowed
    return chosen, left


def _covered(indexes: list[list[str]], columns: list[str]) -> bool:
    return any(index[: len(columns)] == columns for index in indexes)


def index_name(table: str, columns: list[str]) -> str:
    return f"ek_{table}_{'_'.join(columns)}_idx"[:NAME_LIMIT]


# -- values for placeholders ------------------------------------------------------------------


def with_values(sql: str, dialect: str, db: BoundedConnection, engine: EngineChecks) -> str:
    """``sql`` with each placeholder replaced by a value of the column it is compared with,
    taken from ``db`` (the scratch copy). UnreadableQuery when one cannot be matched."""
    tree = parse(sql, dialect)
    holes = list(tree.find_all(exp.Placeholder, exp.Parameter))
    if not holes:
        return sql
    samples: dict[tuple[str, str], exp.Expression] = {}
    for hole in holes:
        table, column = _compared_column(hole)
        if table is None:
            raise UnreadableQuery(
                f"no column to take a value from for the placeholder in: {hole.parent.sql()}"
            )
        if (table, column) not in samples:
            samples[(table, column)] = _sample(db, engine, table, column)
        hole.replace(samples[(table, column)].copy())
    return tree.sql(dialect=dialect)


def _compared_column(hole: exp.Expression) -> tuple[str | None, str]:
    condition = hole.find_ancestor(*EQUALITY, *RANGE)
    column = getattr(condition, "this", None)
    select = hole.find_ancestor(exp.Select)
    if not isinstance(column, exp.Column) or select is None:
        return None, ""
    aliases = {}
    for source in [select.args.get("from_")] + list(select.args.get("joins") or []):
        if source is not None and isinstance(source.this, exp.Table):
            aliases[source.this.alias_or_name] = source.this.name
    if column.table:
        return aliases.get(column.table), column.name
    tables = set(aliases.values())
    return (tables.pop() if len(tables) == 1 else None), column.name


def _sample(db: BoundedConnection, engine: EngineChecks, table: str, column: str):
    quote = engine_quote(engine)
    info = engine.table_info(db, table)
    middle = max((info.rows if info else 0) // 2, 0)
    value = db.scalar(
        f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL "
        f"LIMIT 1 OFFSET {int(middle)}"
    )
    if value is None:
        value = db.scalar(
            f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL LIMIT 1"
        )
    return literal(value)


def engine_quote(engine: EngineChecks):
    if engine.engine == "mysql":
        return lambda name: "`" + name.replace("`", "``") + "`"
    return lambda name: '"' + name.replace('"', '""') + '"'


def literal(value) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float | decimal.Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, dt.datetime | dt.date):
        return exp.Literal.string(
            value.isoformat(" ") if isinstance(value, dt.datetime) else value.isoformat()
        )
    return exp.Literal.string(str(value))
