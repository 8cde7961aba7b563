"""SQLite checks: statistics, free pages, cache and WAL, quick_check, and the plans of the ERP's
frequent queries (SQLite keeps no query statistics, so the advisor asks EXPLAIN QUERY PLAN about
the queries an ERP of this kind is known to run often, and about those a DBA submits).
"""

from __future__ import annotations

import os
import time

from django.utils.translation import gettext_noop

from erpkeeper.performance.checks.base import (
    CheckContext,
    EngineChecks,
    QuerySeen,
    TableInfo,
    quote,
    register,
)

FREELIST_SHARE = 0.1
FREELIST_MIN_BYTES = 1 << 20
WAL_MAX_BYTES = 64 << 20
WAL_SHARE = 0.5
ANALYZE_MIN_ROWS = 10_000
SCAN_MIN_ROWS = 500  # PgHero's smallest table worth an index
QUICK_CHECK_SLOW_S = 5

# Queries a Tryton ERP runs all day (stock quantities, sale and invoice lists, reconciliation),
# as the ORM writes them; "?" stands for a value. Only those whose tables exist are asked about.
ERP_QUERIES = (
    'SELECT "a"."id" FROM "stock_move" AS "a" WHERE (("a"."product" = ?) '
    'AND ("a"."state" = ?) AND ("a"."effective_date" <= ?))',
    'SELECT "a"."id" FROM "sale_line" AS "a" WHERE ("a"."product" = ?)',
    'SELECT "a"."id" FROM "sale_sale" AS "a" WHERE (("a"."party" = ?) AND ("a"."state" = ?))',
    'SELECT "a"."id" FROM "account_invoice" AS "a" WHERE (("a"."party" = ?) AND ("a"."state" = ?))',
    'SELECT "a"."id" FROM "account_move_line" AS "a" WHERE (("a"."account" = ?) '
    'AND ("a"."reconciliation" IS NULL))',
    'SELECT "a"."id" FROM "purchase_line" AS "a" WHERE ("a"."product" = ?)',
)


@register
class SqliteChecks(EngineChecks):
    engine = "sqlite"
    prefix = "sqlite"
    dialect = "sqlite"
    checks = ("statistics", "freelist", "cache", "wal", "quick_check", "frequent_queries")

    def statistics(self, ctx: CheckContext) -> None:
        has_stats = ctx.db.scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        )
        if has_stats:
            return
        largest = max((self._rows(ctx.db, t) for t in self._tables(ctx.db)), default=0)
        if largest >= ANALYZE_MIN_ROWS:
            ctx.observe("sqlite.statistics", "warning", largest_rows=largest)

    def freelist(self, ctx: CheckContext) -> None:
        free = int(ctx.db.scalar("PRAGMA freelist_count") or 0)
        pages = int(ctx.db.scalar("PRAGMA page_count") or 1)
        size = int(ctx.db.scalar("PRAGMA page_size") or 4096)
        if free / pages > FREELIST_SHARE and free * size >= FREELIST_MIN_BYTES:
            ctx.observe(
                "sqlite.freelist",
                "warning",
                free_pages=free,
                pages=pages,
                percent=round(100 * free / pages, 1),
                bytes=free * size,
            )

    def cache(self, ctx: CheckContext) -> None:
        size = int(ctx.db.scalar("PRAGMA page_size") or 0)
        pages = int(ctx.db.scalar("PRAGMA page_count") or 0)
        cache = int(ctx.db.scalar("PRAGMA cache_size") or 0)
        cache_bytes = -cache * 1024 if cache < 0 else cache * size
        ctx.note(
            gettext_noop(
                "page size %(page)s B, %(pages)s pages; default cache %(cache)s B per connection"
            ),
            page=size,
            pages=pages,
            cache=cache_bytes,
        )

    def wal(self, ctx: CheckContext) -> None:
        path = ctx.db.url.path
        try:
            wal = os.path.getsize(path + "-wal")
        except OSError:
            return  # no WAL file: rollback journal mode, or checkpointed
        main = os.path.getsize(path)
        if wal > WAL_MAX_BYTES or wal > WAL_SHARE * main:
            ctx.observe("sqlite.wal", "warning", bytes=wal, database_bytes=main)

    def quick_check(self, ctx: CheckContext) -> None:
        started = time.monotonic()
        result = [row[0] for row in ctx.db.rows("PRAGMA quick_check")]
        seconds = round(time.monotonic() - started, 2)
        ctx.note(gettext_noop("quick_check took %(seconds)s s"), seconds=seconds)
        if result != ["ok"]:
            ctx.observe("sqlite.quick_check", "critical", problems=result[:5])
        elif seconds > QUICK_CHECK_SLOW_S:
            ctx.observe("sqlite.quick_check.slow", "info", seconds=seconds)

    def frequent_queries(self, ctx: CheckContext) -> None:
        tables = set(self._tables(ctx.db))
        for sql in ERP_QUERIES:
            table = sql.split('FROM "', 1)[1].split('"', 1)[0]
            if table not in tables:
                continue
            plan, _cost = self.explain(ctx.db, sql)
            if f"SCAN {table}" in plan or "SCAN a" in plan:
                rows = self._rows(ctx.db, table)
                if rows >= SCAN_MIN_ROWS:
                    ctx.observe(
                        "sqlite.frequent_queries", "warning", subject=table, table=table, rows=rows
                    )
                    ctx.queries.append(QuerySeen(sql, "erp_catalogue", rows=rows))

    # -- helpers and what the index advisor asks ---------------------------------------------

    @staticmethod
    def _tables(db) -> list[str]:
        return [
            row[0]
            for row in db.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]

    @staticmethod
    def _rows(db, table: str) -> int:
        return int(db.scalar(f"SELECT count(*) FROM {quote(table)}") or 0)

    def table_info(self, db, table):
        if table not in self._tables(db):
            return None
        indexes = []
        for (name,) in db.rows(
            "SELECT name FROM pragma_index_list(%s) WHERE partial = 0", (table,)
        ):
            columns = db.rows("SELECT name FROM pragma_index_info(%s) ORDER BY seqno", (name,))
            indexes.append([row[0] for row in columns])
        return TableInfo(self._rows(db, table), indexes)

    def distinct_values(self, db, table, column):
        return db.scalar(f"SELECT count(DISTINCT {quote(column)}) FROM {quote(table)}")

    def explain(self, db, sql):
        count = sql.count("?")
        rows = db.rows(f"EXPLAIN QUERY PLAN {sql}", (None,) * count)
        return "\n".join(str(row[-1]) for row in rows), None

    def index_bytes(self, db, name):
        try:
            return db.scalar("SELECT sum(pgsize) FROM dbstat WHERE name = %s", (name,))
        except Exception:  # noqa: BLE001  (SQLite built without the dbstat table)
            return None
