"""MariaDB/MySQL checks: statement digests (performance_schema), full scans, unused and redundant
indexes (the sys schema), InnoDB buffer pool hit ratio and size, temporary tables on disk.

Where performance_schema is off, the statement check says so (a finding) and the checks that read
it through sys are not run (never a pass); a user who may not read performance_schema or sys gets
a note saying what to grant, and those checks are not run either.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from erpkeeper.lib.bounded_db import ConnectionFailed
from erpkeeper.performance.checks.base import (
    CheckContext,
    EngineChecks,
    QuerySeen,
    TableInfo,
    register,
)

TOP_QUERIES = 50
PICO_PER_MS = 1e9
BUFFER_HIT_MIN = 0.99
BUFFER_MIN_REQUESTS = 10_000
TMP_DISK_SHARE = 0.25
TMP_MIN_TABLES = 100
SCAN_MIN_ROWS = 500


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


@register
class MysqlChecks(EngineChecks):
    engine = "mysql"
    prefix = "mysql"
    dialect = "mysql"
    checks = (
        "queries",
        "full_scans",
        "unused_index",
        "redundant_index",
        "buffer_pool",
        "temporary_tables",
    )

    def queries(self, ctx: CheckContext) -> None:
        if not self._performance_schema_on(ctx):
            ctx.observe("mysql.queries", "info", subject="performance_schema")
            return
        try:
            if not self._digests_on(ctx):
                ctx.observe("mysql.digests", "info", subject="statements_digest")
                return
            rows = ctx.db.rows(
                "SELECT DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT, AVG_TIMER_WAIT, SUM_ROWS_SENT "
                "FROM performance_schema.events_statements_summary_by_digest "
                "WHERE SCHEMA_NAME = DATABASE() AND DIGEST_TEXT IS NOT NULL "
                "ORDER BY SUM_TIMER_WAIT DESC LIMIT %s",
                (TOP_QUERIES,),
            )
        except ConnectionFailed:
            ctx.note(
                gettext_noop(
                    "The user cannot read performance_schema: grant it SELECT ON "
                    "performance_schema.* and SELECT, EXECUTE ON sys.*."
                )
            )
            raise  # not run: the reason (access denied) is the check's error
        for text, calls, total, mean, sent in rows:
            ctx.queries.append(
                QuerySeen(
                    text,
                    "performance_schema",
                    int(calls),
                    float(total) / PICO_PER_MS,
                    float(mean) / PICO_PER_MS,
                    int(sent or 0),
                )
            )

    @staticmethod
    def _digests_on(ctx) -> bool:
        enabled = ctx.db.scalar(
            "SELECT ENABLED FROM performance_schema.setup_consumers "
            "WHERE NAME = 'statements_digest'"
        )
        return str(enabled).upper() != "NO"

    @staticmethod
    def _performance_schema_on(ctx) -> bool:
        return str(ctx.db.scalar("SELECT @@performance_schema")) in ("1", "ON")

    def full_scans(self, ctx: CheckContext) -> None:
        for table, scans in self._sys(
            ctx,
            (
                "SELECT object_name, rows_full_scanned FROM "
                "sys.schema_tables_with_full_table_scans WHERE object_schema = DATABASE()"
            ),
        ):
            ctx.observe(
                "mysql.full_scans", "warning", subject=table, table=table, rows_scanned=int(scans)
            )

    def unused_index(self, ctx: CheckContext) -> None:
        for table, index in self._sys(
            ctx,
            (
                "SELECT object_name, index_name FROM sys.schema_unused_indexes "
                "WHERE object_schema = DATABASE()"
            ),
        ):
            ctx.observe(
                "mysql.unused_index", "info", subject=f"{table}.{index}", table=table, index=index
            )

    def redundant_index(self, ctx: CheckContext) -> None:
        for table, index, dominant in self._sys(
            ctx,
            (
                "SELECT table_name, redundant_index_name, dominant_index_name FROM "
                "sys.schema_redundant_indexes WHERE table_schema = DATABASE()"
            ),
            needs_performance_schema=False,  # read from information_schema.STATISTICS
        ):
            ctx.observe(
                "mysql.redundant_index",
                "warning",
                subject=f"{table}.{index}",
                table=table,
                index=index,
                covered_by=dominant,
            )

    def _sys(self, ctx, sql: str, *, needs_performance_schema: bool = True) -> list[tuple]:
        """Rows of a sys view; the check is not run (never a pass) when the view has nothing to
        read (performance_schema off) or cannot be read."""
        if needs_performance_schema and not self._performance_schema_on(ctx):
            raise ConnectionFailed(_("performance_schema is off: nothing to read"))
        try:
            return ctx.db.rows(sql)
        except ConnectionFailed:
            ctx.note(
                gettext_noop(
                    "The sys schema is not readable: install it, or grant SELECT, EXECUTE ON sys.*."
                )
            )
            raise

    def buffer_pool(self, ctx: CheckContext) -> None:
        status = self._status(ctx, ("Innodb_buffer_pool_reads", "Innodb_buffer_pool_read_requests"))
        requests = status.get("Innodb_buffer_pool_read_requests", 0)
        reads = status.get("Innodb_buffer_pool_reads", 0)
        if requests >= BUFFER_MIN_REQUESTS and 1 - reads / requests < BUFFER_HIT_MIN:
            ctx.observe(
                "mysql.buffer_pool",
                "warning",
                subject="hit_ratio",
                percent=round(100 * (1 - reads / requests), 2),
            )
        size = int(ctx.db.scalar("SELECT @@innodb_buffer_pool_size") or 0)
        if ctx.host_ram_bytes and size < 0.25 * ctx.host_ram_bytes:
            ctx.observe(
                "mysql.buffer_pool.size", "info", subject="size", value=size, ram=ctx.host_ram_bytes
            )

    def temporary_tables(self, ctx: CheckContext) -> None:
        status = self._status(ctx, ("Created_tmp_disk_tables", "Created_tmp_tables"))
        total = status.get("Created_tmp_tables", 0)
        disk = status.get("Created_tmp_disk_tables", 0)
        if total >= TMP_MIN_TABLES and disk / total > TMP_DISK_SHARE:
            ctx.observe(
                "mysql.temporary_tables",
                "warning",
                disk=disk,
                total=total,
                percent=round(100 * disk / total, 1),
            )

    @staticmethod
    def _status(ctx, names: tuple[str, ...]) -> dict[str, int]:
        placeholders = ", ".join(["%s"] * len(names))
        # SHOW, not information_schema.GLOBAL_STATUS: MySQL 8 removed that table.
        rows = ctx.db.rows(
            f"SHOW GLOBAL STATUS WHERE Variable_name IN ({placeholders})", tuple(names)
        )
        wanted = {n.upper(): n for n in names}
        return {wanted[name.upper()]: int(value) for name, value in rows}

    # -- what the index advisor asks ---------------------------------------------------------

    def table_info(self, db, table):
        rows = db.scalar(
            "SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = %s",
            (table,),
        )
        if rows is None:
            return None
        found: dict[str, list[str]] = {}
        for name, column in db.rows(
            "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            (table,),
        ):
            found.setdefault(name, []).append(column)
        return TableInfo(int(rows), list(found.values()))

    def distinct_values(self, db, table, column):
        return db.scalar(f"SELECT count(DISTINCT {quote(column)}) FROM {quote(table)}")

    def explain(self, db, sql):
        rows = db.dicts(f"EXPLAIN {sql}")
        text = "\n".join(
            f"{r.get('table')}: {r.get('type')} key={r.get('key')} rows={r.get('rows')}"
            for r in rows
        )
        return text, None

    def index_bytes(self, db, name):
        table, _sep, index = name.partition(".")
        try:
            return db.scalar(
                "SELECT stat_value * @@innodb_page_size FROM mysql.innodb_index_stats "
                "WHERE database_name = DATABASE() AND table_name = %s AND index_name = %s "
                "AND stat_name = 'size'",
                (table, index),
            )
        except ConnectionFailed:
            return None  # a user who may not read the mysql schema: the size stays unknown

    def create_index_sql(self, name, table, columns, *, online):
        cols = ", ".join(quote(c) for c in columns)
        lock = ", ALGORITHM=INPLACE, LOCK=NONE" if online else ""
        return f"ALTER TABLE {quote(table)} ADD INDEX {quote(name)} ({cols}){lock}"
