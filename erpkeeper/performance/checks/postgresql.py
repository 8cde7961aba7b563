"""PostgreSQL checks, with PgHero's thresholds (reference-next-domains.md, section 5.1).

Every statement is a read of the statistics views or the catalog, under the connection's
statement timeout; nothing here runs EXPLAIN ANALYZE.
"""

from __future__ import annotations

import json
import math
import time

from django.utils.translation import gettext_noop

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.performance.checks.base import (
    CheckContext,
    EngineChecks,
    QuerySeen,
    TableInfo,
    quote,
    register,
)

LONG_RUNNING_S = 60
IDLE_IN_TRANSACTION_S = 60
TOTAL_CONNECTIONS = 500
CONNECTIONS_SHARE = 0.8
CACHE_HIT_MIN = 0.99
CACHE_MIN_BLOCKS = 1_000  # below this, a fresh server's first reads say nothing
MISSING_INDEX_ROWS = 10_000
MISSING_INDEX_SHARE = 0.95
UNUSED_INDEX_SCANS = 50
XID_MAX = 2_146_483_648
XID_LEFT_WARNING = 1_500_000_000
SEQUENCE_SHARE = 0.9
STALE_ROWS = 10_000
STALE_SHARE = 0.1
TYPE_MAX = {"smallint": 32_767, "integer": 2_147_483_647, "bigint": 9_223_372_036_854_775_807}
# Bloat: space a table or a B-tree index takes beyond what its rows need. PgHero flags index
# bloat from 100 MB; a smaller relation is worth a look when most of it is empty.
BLOAT_WARNING_BYTES = 100 << 20
BLOAT_INFO_BYTES = 10 << 20
BLOAT_INFO_SHARE = 0.5
PAGE_HEADER = 24
TUPLE_HEADER = 24  # 23 bytes, aligned
INDEX_TUPLE_HEADER = 8
ITEM_POINTER = 4
BTREE_SPECIAL = 16
BTREE_FILL = 0.9
TOP_QUERIES = 50
ACTIVITY_SAMPLES = 10
ACTIVITY_INTERVAL_S = 0.2
OTHERS = (
    "pid <> pg_backend_pid() AND datname = current_database() AND backend_type = 'client backend'"
)


@register
class PostgresChecks(EngineChecks):
    engine = "postgresql"
    prefix = "pg"
    dialect = "postgres"
    checks = (
        "long_running",
        "idle_in_transaction",
        "blocked",
        "connections",
        "queries",
        "missing_index",
        "unused_index",
        "duplicate_index",
        "invalid_index",
        "cache_hit",
        "wraparound",
        "sequences",
        "stale_maintenance",
        "bloat",
        "memory_settings",
    )

    # -- sessions --------------------------------------------------------------------------

    def long_running(self, ctx: CheckContext) -> None:
        row = ctx.db.rows(
            "SELECT count(*), max(EXTRACT(EPOCH FROM now() - query_start)), "
            "(array_agg(left(query, 200) ORDER BY query_start))[1] FROM pg_stat_activity "
            f"WHERE {OTHERS} AND state = 'active' AND now() - query_start >= %s * interval '1 s'",
            (LONG_RUNNING_S,),
        )[0]
        if row[0]:
            ctx.observe(
                "pg.long_running", "warning", count=row[0], longest_s=round(row[1]), query=row[2]
            )

    def idle_in_transaction(self, ctx: CheckContext) -> None:
        row = ctx.db.rows(
            "SELECT count(*), max(EXTRACT(EPOCH FROM now() - state_change)) FROM pg_stat_activity "
            f"WHERE {OTHERS} AND state LIKE 'idle in transaction%%' "
            "AND now() - state_change >= %s * interval '1 s'",
            (IDLE_IN_TRANSACTION_S,),
        )[0]
        if row[0]:
            ctx.observe("pg.idle_in_transaction", "warning", count=row[0], longest_s=round(row[1]))

    def blocked(self, ctx: CheckContext) -> None:
        rows = ctx.db.rows(
            "SELECT pid, pg_blocking_pids(pid), left(query, 200) FROM pg_stat_activity "
            f"WHERE {OTHERS} AND cardinality(pg_blocking_pids(pid)) > 0"
        )
        if rows:
            blockers = sorted({pid for row in rows for pid in row[1]})
            ctx.observe(
                "pg.blocked", "warning", count=len(rows), blockers=blockers, query=rows[0][2]
            )

    def connections(self, ctx: CheckContext) -> None:
        used, allowed = ctx.db.rows(
            "SELECT count(*), current_setting('max_connections')::int FROM pg_stat_activity"
        )[0]
        if used >= TOTAL_CONNECTIONS or used >= CONNECTIONS_SHARE * allowed:
            percent = round(100 * used / allowed)
            ctx.observe("pg.connections", "warning", used=used, allowed=allowed, percent=percent)

    # -- queries ---------------------------------------------------------------------------

    def queries(self, ctx: CheckContext) -> None:
        if self._has_stat_statements(ctx.db):
            ctx.queries.extend(self._stat_statements(ctx.db))
            return
        ctx.observe("pg.queries", "info", subject="pg_stat_statements")
        ctx.queries.extend(self._activity_samples(ctx.db))

    @staticmethod
    def _has_stat_statements(db: BoundedConnection) -> bool:
        if not db.scalar("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"):
            return False
        try:
            db.rows("SELECT 1 FROM pg_stat_statements LIMIT 1")
        except ConnectionFailed:  # created but not in shared_preload_libraries
            return False
        return True

    @staticmethod
    def _stat_statements(db: BoundedConnection) -> list[QuerySeen]:
        rows = db.rows(
            "SELECT query, calls, total_exec_time, mean_exec_time, rows, "
            "shared_blks_hit::float / NULLIF(shared_blks_hit + shared_blks_read, 0) "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
            "WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT %s",
            (TOP_QUERIES,),
        )
        return [
            QuerySeen(
                text, "pg_stat_statements", int(calls), float(total), float(mean), int(n), hit
            )
            for text, calls, total, mean, n, hit in rows
        ]

    @staticmethod
    def _activity_samples(db: BoundedConnection) -> list[QuerySeen]:
        """Without pg_stat_statements: what the other sessions run, sampled a few times. An
        idle session still shows its last statement, and state_change - query_start is how
        long that statement took."""
        seen: dict[tuple, tuple[str, float]] = {}
        for sample in range(ACTIVITY_SAMPLES):
            rows = db.rows(
                "SELECT pid, query_start, query, EXTRACT(EPOCH FROM CASE WHEN state = 'active' "
                "THEN now() ELSE state_change END - query_start) * 1000 FROM pg_stat_activity "
                f"WHERE {OTHERS} AND query_start IS NOT NULL AND query <> '' "
                "AND application_name NOT LIKE 'erpkeeper%%'"
            )
            for pid, started, text, ms in rows:
                seen[(pid, started)] = (text, float(ms or 0))
            if sample < ACTIVITY_SAMPLES - 1:
                time.sleep(ACTIVITY_INTERVAL_S)
        grouped: dict[str, QuerySeen] = {}
        for text, ms in seen.values():
            found = grouped.setdefault(text, QuerySeen(text, "pg_stat_activity"))
            found.calls += 1
            found.total_ms += ms
        for found in grouped.values():
            found.mean_ms = found.total_ms / found.calls
        return list(grouped.values())

    # -- indexes ---------------------------------------------------------------------------

    def missing_index(self, ctx: CheckContext) -> None:
        rows = ctx.db.rows(
            "SELECT relname, seq_scan, coalesce(idx_scan, 0), n_live_tup FROM pg_stat_user_tables "
            "WHERE n_live_tup >= %s AND seq_scan > 0",
            (MISSING_INDEX_ROWS,),
        )
        for table, seq, idx, live in rows:
            share = idx / (seq + idx)
            if share < MISSING_INDEX_SHARE:
                ctx.observe(
                    "pg.missing_index",
                    "warning",
                    subject=table,
                    table=table,
                    seq_scans=seq,
                    index_percent=round(100 * share, 1),
                    rows=live,
                )

    def unused_index(self, ctx: CheckContext) -> None:
        # PgHero's rule, on tables big enough for an index to cost something to keep up.
        rows = ctx.db.rows(
            "SELECT s.indexrelname, s.relname, s.idx_scan, pg_relation_size(s.indexrelid) "
            "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid "
            "JOIN pg_stat_user_tables t ON t.relid = s.relid "
            "WHERE NOT i.indisunique AND NOT i.indisprimary AND s.idx_scan <= %s "
            "AND t.n_live_tup >= %s",
            (UNUSED_INDEX_SCANS, MISSING_INDEX_ROWS),
        )
        for index, table, scans, size in rows:
            ctx.observe(
                "pg.unused_index", "info", subject=index, table=table, scans=scans, bytes=size
            )

    def duplicate_index(self, ctx: CheckContext) -> None:
        # Columns and operator classes: Tryton keeps (origin) and (origin varchar_pattern_ops)
        # side by side on purpose (equality and LIKE), and neither covers the other.
        rows = ctx.db.rows(
            "SELECT c.relname, t.relname, i.indkey::text, i.indclass::text, i.indisunique "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = current_schema() AND i.indpred IS NULL AND i.indexprs IS NULL"
        )
        by_table: dict[str, list[tuple[str, list, bool]]] = {}
        for index, table, keys, classes, unique in rows:
            pairs = list(zip(keys.split(), classes.split(), strict=False))
            by_table.setdefault(table, []).append((index, pairs, unique))
        for table, indexes in by_table.items():
            for name, keys, unique in indexes:
                covering = _covering(name, keys, unique, indexes)
                if covering:
                    ctx.observe(
                        "pg.duplicate_index",
                        "warning",
                        subject=name,
                        table=table,
                        covered_by=covering,
                    )

    def invalid_index(self, ctx: CheckContext) -> None:
        rows = ctx.db.rows(
            "SELECT c.relname, t.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE NOT i.indisvalid"
        )
        for index, table in rows:
            ctx.observe("pg.invalid_index", "warning", subject=index, table=table)

    # -- server ----------------------------------------------------------------------------

    def cache_hit(self, ctx: CheckContext) -> None:
        for kind, view, hit, read in (
            ("table", "pg_statio_user_tables", "heap_blks_hit", "heap_blks_read"),
            ("index", "pg_statio_user_indexes", "idx_blks_hit", "idx_blks_read"),
        ):
            hits, reads = ctx.db.rows(f"SELECT sum({hit}), sum({read}) FROM {view}")[0]
            hits, reads = int(hits or 0), int(reads or 0)
            if hits + reads >= CACHE_MIN_BLOCKS and hits / (hits + reads) < CACHE_HIT_MIN:
                ratio = round(100 * hits / (hits + reads), 2)
                ctx.observe("pg.cache_hit", "warning", subject=kind, kind=kind, percent=ratio)

    def wraparound(self, ctx: CheckContext) -> None:
        age = int(
            ctx.db.scalar(
                "SELECT age(datfrozenxid) FROM pg_database WHERE datname = current_database()"
            )
            or 0
        )
        left = XID_MAX - age
        if left < XID_LEFT_WARNING:
            ctx.observe("pg.wraparound", "critical", age=age, left=left)

    def sequences(self, ctx: CheckContext) -> None:
        rows = ctx.db.rows(
            "SELECT s.sequencename, s.last_value, s.max_value, "
            "(SELECT format_type(a.atttypid, NULL) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
            "WHERE pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(''' || s.sequencename || '''%%' "
            "LIMIT 1) FROM pg_sequences s WHERE s.schemaname = current_schema() "
            "AND s.last_value IS NOT NULL"
        )
        for name, last, maximum, column_type in rows:
            limit = min(int(maximum), TYPE_MAX.get(column_type or "", int(maximum)))
            if last / limit > SEQUENCE_SHARE:
                percent = round(100 * last / limit, 1)
                ctx.observe(
                    "pg.sequences", "critical", subject=name, last=last, max=limit, percent=percent
                )

    def stale_maintenance(self, ctx: CheckContext) -> None:
        rows = ctx.db.rows(
            "SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze, "
            "greatest(last_vacuum, last_autovacuum) IS NULL, "
            "greatest(last_analyze, last_autoanalyze) IS NULL FROM pg_stat_user_tables "
            "WHERE n_live_tup >= %s",
            (STALE_ROWS,),
        )
        for table, live, dead, modified, never_vacuumed, never_analyzed in rows:
            if dead > STALE_SHARE * live:
                ctx.observe(
                    "pg.stale_maintenance.vacuum",
                    "warning",
                    subject=table,
                    table=table,
                    dead=dead,
                    live=live,
                    never=never_vacuumed,
                )
            if modified > STALE_SHARE * live or never_analyzed:
                ctx.observe(
                    "pg.stale_maintenance.analyze",
                    "warning",
                    subject=table,
                    table=table,
                    modified=modified,
                    live=live,
                    never=never_analyzed,
                )

    def bloat(self, ctx: CheckContext) -> None:
        """Estimated from the planner's statistics (row counts and column widths), as PgHero and
        the usual estimation queries do: no pgstattuple, no full read of any table. Tables and
        B-tree indexes never analysed have no widths and are left out."""
        block = int(ctx.db.scalar("SELECT current_setting('block_size')::int"))
        smallest = BLOAT_INFO_BYTES // block
        for table, pages, rows, width in ctx.db.rows(TABLE_WIDTHS_SQL, (smallest,)):
            expected = expected_pages(rows, width, block, table=True)
            self._bloat_finding(ctx, "pg.bloat.table", table, table, pages, expected, block)
        for index, table, pages, rows, width in ctx.db.rows(INDEX_WIDTHS_SQL, (smallest,)):
            expected = expected_pages(rows, width, block, table=False)
            self._bloat_finding(ctx, "pg.bloat.index", index, table, pages, expected, block)

    @staticmethod
    def _bloat_finding(ctx, check, subject, table, pages, expected, block) -> None:
        wasted = (int(pages) - expected) * block
        share = wasted / (int(pages) * block) if pages else 0.0
        if wasted >= BLOAT_WARNING_BYTES:
            severity = "warning"
        elif wasted >= BLOAT_INFO_BYTES and share >= BLOAT_INFO_SHARE:
            severity = "info"
        else:
            return
        ctx.observe(
            check,
            severity,
            subject=subject,
            table=table,
            bytes=int(pages) * block,
            wasted=wasted,
            percent=round(100 * share, 1),
        )

    def memory_settings(self, ctx: CheckContext) -> None:
        names = (
            "shared_buffers",
            "effective_cache_size",
            "work_mem",
            "maintenance_work_mem",
            "max_connections",
        )
        values = dict(
            ctx.db.rows(
                "SELECT name, setting::bigint * CASE WHEN unit = '8kB' THEN 8192 "
                "WHEN unit = 'kB' THEN 1024 ELSE 1 END FROM pg_settings WHERE name = ANY(%s)",
                (list(names),),
            )
        )
        ram = ctx.host_ram_bytes
        if not ram:
            ctx.note(
                gettext_noop(
                    "Host memory is unknown (no monitoring samples for this target's host): "
                    "memory settings were not compared with RAM."
                )
            )
            return
        shared = values["shared_buffers"]
        if not 0.1 * ram <= shared <= 0.4 * ram:
            ctx.observe(
                "pg.memory_settings.shared_buffers",
                "warning",
                subject="shared_buffers",
                value=shared,
                ram=ram,
                percent=round(100 * shared / ram, 1),
            )
        cache = values["effective_cache_size"]
        if cache < 0.5 * ram:
            ctx.observe(
                "pg.memory_settings.effective_cache_size",
                "info",
                subject="effective_cache_size",
                value=cache,
                ram=ram,
                percent=round(100 * cache / ram, 1),
            )
        worst = values["work_mem"] * values["max_connections"]
        if worst > ram:
            ctx.observe(
                "pg.memory_settings.work_mem",
                "warning",
                subject="work_mem",
                value=values["work_mem"],
                connections=values["max_connections"],
                ram=ram,
            )
        maintenance = values["maintenance_work_mem"]
        if maintenance > 0.25 * ram:
            ctx.observe(
                "pg.memory_settings.maintenance_work_mem",
                "warning",
                subject="maintenance_work_mem",
                value=maintenance,
                ram=ram,
            )

    # -- what the index advisor asks --------------------------------------------------------

    def table_info(self, db, table):
        rows = db.scalar(
            "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE relname = %s "
            "AND relkind = 'r' AND relnamespace = current_schema()::regnamespace",
            (table,),
        )
        if rows is None:
            return None
        if rows == 0:  # never analysed: count (under the statement timeout)
            rows = db.scalar(f"SELECT count(*) FROM {quote(table)}")
        indexes = db.rows(
            "SELECT array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(num, pos) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.num "
            "ORDER BY k.pos) FROM pg_index i WHERE i.indrelid = %s::regclass "
            "AND i.indpred IS NULL",
            (table,),
        )
        return TableInfo(int(rows), [list(cols) for (cols,) in indexes])

    def distinct_values(self, db, table, column):
        estimate = db.scalar(
            "SELECT n_distinct FROM pg_stats WHERE schemaname = current_schema() "
            "AND tablename = %s AND attname = %s",
            (table, column),
        )
        if estimate is None:
            return db.scalar(f"SELECT count(DISTINCT {quote(column)}) FROM {quote(table)}")
        if estimate < 0:  # a share of the rows
            info = self.table_info(db, table)
            return -estimate * (info.rows if info else 0)
        return float(estimate)

    def explain(self, db, sql):
        plan = db.scalar(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = json.loads(plan) if isinstance(plan, str) else plan
        text = "\n".join(row[0] for row in db.rows(f"EXPLAIN {sql}"))
        return text, float(plan[0]["Plan"]["Total Cost"])

    def index_bytes(self, db, name):
        return db.scalar("SELECT pg_relation_size(%s::regclass)", (quote(name),))

    def create_index_sql(self, name, table, columns, *, online):
        cols = ", ".join(quote(c) for c in columns)
        concurrently = "CONCURRENTLY " if online else ""
        return f"CREATE INDEX {concurrently}{quote(name)} ON {quote(table)} ({cols})"


# Per table: its pages, rows and the average width of a row's data (nulls weighed out).
TABLE_WIDTHS_SQL = (
    "SELECT c.relname, c.relpages, greatest(c.reltuples, 0)::bigint, "
    "sum((1 - s.null_frac) * s.avg_width) FROM pg_class c JOIN pg_stats s "
    "ON s.schemaname = current_schema() AND s.tablename = c.relname "
    "WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace "
    "AND c.relpages >= %s GROUP BY c.relname, c.relpages, c.reltuples"
)
# Per B-tree index on plain columns: its pages, entries and the width of its key columns.
INDEX_WIDTHS_SQL = (
    "SELECT ic.relname, t.relname, ic.relpages, greatest(ic.reltuples, 0)::bigint, "
    "sum(s.avg_width) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
    "JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = ic.relam "
    "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey) "
    "JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = t.relname "
    "AND s.attname = a.attname WHERE am.amname = 'btree' AND i.indexprs IS NULL "
    "AND t.relnamespace = current_schema()::regnamespace AND ic.relpages >= %s "
    "GROUP BY ic.relname, t.relname, ic.relpages, ic.reltuples"
)


def _aligned(width: float) -> int:
    return 8 * math.ceil(float(width) / 8)


def expected_pages(rows: int, width: float, block: int, *, table: bool) -> int:
    """Pages ``rows`` rows of ``width`` bytes need when packed as PostgreSQL packs them: a
    heap tuple header or an index tuple header, the data aligned to 8 bytes, an item pointer;
    B-tree leaves filled to 90 % and one meta page."""
    if table:
        per_page = (block - PAGE_HEADER) // (TUPLE_HEADER + _aligned(width) + ITEM_POINTER)
        return math.ceil(int(rows) / max(per_page, 1))
    usable = (block - PAGE_HEADER - BTREE_SPECIAL) * BTREE_FILL
    per_page = int(usable // (INDEX_TUPLE_HEADER + _aligned(width) + ITEM_POINTER))
    return math.ceil(int(rows) / max(per_page, 1)) + 1


def _covering(name: str, keys: list, unique: bool, indexes: list) -> str | None:
    """Another index of the table whose leading columns (and operator classes) are ``keys``;
    a unique index is never covered (it enforces something)."""
    if unique:
        return None
    for other, other_keys, _unique in indexes:
        if other == name or other_keys[: len(keys)] != keys:
            continue
        if len(other_keys) > len(keys) or other < name:
            return other
    return None
