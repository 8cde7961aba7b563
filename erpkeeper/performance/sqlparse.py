"""What a query says, read with a real SQL parser (sqlglot): its normalised text and
fingerprint, whether it only reads, its tables, and the columns of its predicates and joins.

    shape = read_query('SELECT id FROM stock_move WHERE product = 7', "postgres")
    shape.fingerprint, shape.text      # 'SELECT id FROM stock_move WHERE product = ?'
    shape.predicates                   # [Predicate("stock_move", "product", "eq")]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

EQUALITY = (exp.EQ, exp.In, exp.Is)
RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like, exp.ILike)
WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter)
QUERIES = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Insert, exp.Update, exp.Delete)
# The engines' own catalogues: reading them (the advisor, a driver, an admin tool) is no ERP load.
CATALOGUE_SCHEMAS = {"information_schema", "performance_schema", "sys", "mysql", "pg_catalog"}


class UnreadableQuery(ValueError):
    """The text is not SQL the parser understands; the message says where."""


@dataclass(frozen=True)
class Predicate:
    table: str
    column: str
    kind: str  # "eq", "range" or "join"


@dataclass
class QueryShape:
    text: str
    fingerprint: str
    is_read: bool
    tables: list[str] = field(default_factory=list)
    predicates: list[Predicate] = field(default_factory=list)
    # SET, SHOW, ANALYZE..., a statement on no table, or one that reads only the catalogue
    housekeeping: bool = False


def parse(sql: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except (ParseError, TokenError) as exc:
        raise UnreadableQuery(" ".join(str(exc).split())[:300]) from None
    if len(statements) != 1:
        raise UnreadableQuery(f"{len(statements)} statements; give exactly one")
    return statements[0]


def fingerprint_of(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def read_query(sql: str, dialect: str) -> QueryShape:
    tree = parse(sql, dialect)
    text = normalised(tree, dialect)
    tables = [t for t in tree.find_all(exp.Table) if t.name]
    return QueryShape(
        text=text,
        fingerprint=fingerprint_of(text),
        is_read=is_read(tree),
        tables=sorted({t.name for t in tables}),
        predicates=predicates(tree),
        housekeeping=is_housekeeping(tree, tables),
    )


def is_housekeeping(tree: exp.Expression, tables: list[exp.Table]) -> bool:
    if not isinstance(tree, QUERIES) or not tables:
        return True
    return all(_in_catalogue(table) for table in tables)


def _in_catalogue(table: exp.Table) -> bool:
    schema = (table.db or "").lower()
    return schema in CATALOGUE_SCHEMAS or (not schema and table.name.lower().startswith("pg_"))


def normalised(tree: exp.Expression, dialect: str) -> str:
    """Values replaced by ``?`` and IN lists folded to one, so that the same query with other
    values has the same text (as pg_stat_statements and performance_schema do)."""
    copy = tree.copy()
    for node in list(copy.find_all(exp.Literal, exp.Placeholder, exp.Parameter)):
        if not isinstance(node.parent, exp.Limit | exp.Offset):
            node.replace(exp.Placeholder())
    for node in copy.find_all(exp.In):
        values = node.args.get("expressions") or []
        if len(values) > 1:
            node.set("expressions", [exp.Placeholder()])
    return copy.sql(dialect=dialect)


def is_read(tree: exp.Expression) -> bool:
    """A SELECT (or a set of them) that writes nothing, not even through a CTE."""
    if not isinstance(tree, exp.Select | exp.Union | exp.Intersect | exp.Except):
        return False
    if tree.find(*WRITES) is not None:
        return False
    return tree.find(exp.Into) is None and tree.args.get("locks") is None


def predicates(tree: exp.Expression) -> list[Predicate]:
    """The columns compared with a value (eq or range) and the columns of joins, each with the
    table it belongs to (aliases resolved; an unqualified column goes to the only table)."""
    found: list[Predicate] = []
    for select in tree.find_all(exp.Select):
        aliases = _aliases(select)
        only = next(iter(aliases.values())) if len(set(aliases.values())) == 1 else None
        where = select.args.get("where")
        if where is not None:
            for condition in _conjuncts(where.this):
                found.extend(_value_predicate(condition, aliases, only))
        for join in select.args.get("joins") or []:
            on = join.args.get("on")
            if on is not None:
                for condition in _conjuncts(on):
                    found.extend(_join_predicate(condition, aliases))
    unique = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique


def _aliases(select: exp.Select) -> dict[str, str]:
    aliases = {}
    sources = [select.args.get("from_")] + list(select.args.get("joins") or [])
    for source in sources:
        if source is None:
            continue
        table = source.this if isinstance(source.this, exp.Table) else None
        if table is not None and table.name:
            aliases[table.alias_or_name] = table.name
    return aliases


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return _conjuncts(condition.left) + _conjuncts(condition.right)
    return [condition]


def _table_of(column: exp.Column, aliases: dict[str, str], only: str | None) -> str | None:
    if column.table:
        return aliases.get(column.table)
    return only


def _is_value(node: exp.Expression) -> bool:
    if isinstance(node, exp.Tuple):
        return all(_is_value(item) for item in node.expressions)
    return isinstance(node, exp.Literal | exp.Placeholder | exp.Parameter | exp.Null | exp.Boolean)


def _value_predicate(condition, aliases, only) -> list[Predicate]:
    if not isinstance(condition, EQUALITY + RANGE):
        return []
    column = condition.this if isinstance(condition.this, exp.Column) else None
    if column is None:
        return []
    others = [v for k, v in condition.args.items() if k != "this" and isinstance(v, exp.Expression)]
    others += condition.args.get("expressions") or []
    if not others or not all(_is_value(value) for value in others):
        return []
    table = _table_of(column, aliases, only)
    if table is None:
        return []
    kind = "eq" if isinstance(condition, EQUALITY) else "range"
    return [Predicate(table, column.name, kind)]


def _join_predicate(condition, aliases) -> list[Predicate]:
    if not isinstance(condition, exp.EQ):
        return []
    sides = [condition.this, condition.expression]
    if not all(isinstance(side, exp.Column) for side in sides):
        return []
    found = []
    for side in sides:
        table = _table_of(side, aliases, None)
        if table is not None:
            found.append(Predicate(table, side.name, "join"))
    return found
