"""What each finding means and how to fix it, in the reader's language (zh-Hans, en).

Findings store their check id and numbers; the text is rendered when shown, so a finding reads
in the language of whoever looks at it. ``%(name)s`` takes the finding's numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CheckText:
    title: str
    explanation: str
    advice: str


TEXTS = {
    "pg.long_running": CheckText(
        _("Long-running queries"),
        _("%(count)s queries have been running for at least 60 s (the longest %(longest_s)s s)."),
        _(
            "Find the session in pg_stat_activity; if the report is not needed, cancel it with "
            "pg_cancel_backend(pid), then index or rewrite the query."
        ),
    ),
    "pg.idle_in_transaction": CheckText(
        _("Sessions idle in a transaction"),
        _(
            "%(count)s sessions opened a transaction and did nothing for at least 60 s (the "
            "longest %(longest_s)s s). They hold locks and stop VACUUM from cleaning up."
        ),
        _(
            "Fix the client that leaves transactions open; set "
            "idle_in_transaction_session_timeout (for example 10min) as a safety net."
        ),
    ),
    "pg.blocked": CheckText(
        _("Blocked sessions"),
        _("%(count)s sessions wait for locks held by sessions %(blockers)s."),
        _(
            "Look at what the blocking sessions run (pg_stat_activity); end a stuck one with "
            "pg_terminate_backend(pid) if it will not finish."
        ),
    ),
    "pg.connections": CheckText(
        _("Connections near the limit"),
        _("%(used)s of %(allowed)s allowed connections are in use (%(percent)s %%)."),
        _(
            "Use a connection pool (PgBouncer) or lower the ERP's pool size before raising "
            "max_connections: each connection costs memory."
        ),
    ),
    "pg.queries": CheckText(
        _("pg_stat_statements is not available"),
        _(
            "Without pg_stat_statements the advisor only sees what sessions run at the moment "
            "it looks (pg_stat_activity), not the totals of every query."
        ),
        _(
            "Add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart "
            "PostgreSQL, then run CREATE EXTENSION pg_stat_statements; in the ERP's database."
        ),
    ),
    "pg.missing_index": CheckText(
        _("Table read by sequential scans"),
        _(
            "Table %(table)s (%(rows)s rows) was read by %(seq_scans)s sequential scans; only "
            "%(index_percent)s %% of its reads used an index."
        ),
        _(
            "Look at the queries on this table in the query list; the index suggestions show "
            "which index would serve them, proven on a restored copy."
        ),
    ),
    "pg.unused_index": CheckText(
        _("Unused index"),
        _(
            "Index %(subject)s on %(table)s was used %(scans)s times since the statistics were "
            "reset, and takes %(bytes)s bytes."
        ),
        _(
            "If the statistics cover a full business cycle (month end included), drop it with "
            "DROP INDEX CONCURRENTLY: every write pays to keep it up to date."
        ),
    ),
    "pg.duplicate_index": CheckText(
        _("Duplicate index"),
        _("Index %(subject)s on %(table)s is covered by index %(covered_by)s."),
        _(
            "Drop %(subject)s with DROP INDEX CONCURRENTLY after checking that no constraint "
            "needs it."
        ),
    ),
    "pg.invalid_index": CheckText(
        _("Invalid index"),
        _(
            "Index %(subject)s on %(table)s is invalid (a failed CREATE INDEX CONCURRENTLY): it "
            "is kept up to date but never used."
        ),
        _("Drop it and create it again, or run REINDEX INDEX CONCURRENTLY."),
    ),
    "pg.cache_hit": CheckText(
        _("Low cache hit ratio"),
        _(
            "Only %(percent)s %% of %(kind)s reads were served from shared buffers (PgHero "
            "expects at least 99 %%)."
        ),
        _(
            "Give PostgreSQL more memory (shared_buffers, and RAM for the OS cache), or find the "
            "queries that read the most blocks."
        ),
    ),
    "pg.wraparound": CheckText(
        _("Transaction ID wraparound approaching"),
        _(
            "The database's oldest unfrozen transaction is %(age)s transactions old; %(left)s "
            "are left before PostgreSQL stops accepting writes to protect the data."
        ),
        _(
            "Run VACUUM (FREEZE) on the oldest tables now and find what keeps autovacuum from "
            "freezing them (long transactions, abandoned replication slots)."
        ),
    ),
    "pg.sequences": CheckText(
        _("Sequence near its maximum"),
        _(
            "Sequence %(subject)s is at %(last)s of %(max)s (%(percent)s %%); at the maximum "
            "new records cannot be created."
        ),
        _(
            "Change the column and the sequence to bigint in a maintenance window before it "
            "runs out."
        ),
    ),
    "pg.stale_maintenance.vacuum": CheckText(
        _("Vacuum overdue"),
        _("Table %(table)s holds %(dead)s dead rows for %(live)s live ones."),
        _("Run VACUUM (ANALYZE) on it and tune autovacuum_vacuum_scale_factor for large tables."),
    ),
    "pg.stale_maintenance.analyze": CheckText(
        _("Statistics out of date"),
        _(
            "Table %(table)s had %(modified)s rows changed since its last ANALYZE (%(live)s "
            "live rows): the planner may choose bad plans."
        ),
        _("Run ANALYZE on it; lower autovacuum_analyze_scale_factor for large tables."),
    ),
    "pg.bloat.table": CheckText(
        _("Table bloat"),
        _(
            "Table %(table)s takes %(bytes)s bytes, of which about %(wasted)s (%(percent)s %%) "
            "hold no live rows (an estimate from the planner's statistics)."
        ),
        _(
            "If the table will not grow back into the space, rebuild it online with pg_repack "
            "in a quiet hour (VACUUM FULL does the same but locks the table throughout); keep "
            "autovacuum frequent enough that deleted rows are reused."
        ),
    ),
    "pg.bloat.index": CheckText(
        _("Index bloat"),
        _(
            "Index %(subject)s on %(table)s takes %(bytes)s bytes, of which about %(wasted)s "
            "(%(percent)s %%) are empty space (an estimate from the planner's statistics)."
        ),
        _(
            "Rebuild it without blocking writes: REINDEX INDEX CONCURRENTLY %(subject)s "
            "(PostgreSQL 12 and later)."
        ),
    ),
    "pg.memory_settings.shared_buffers": CheckText(
        _("shared_buffers does not fit the host's memory"),
        _(
            "shared_buffers is %(value)s bytes, %(percent)s %% of the host's %(ram)s bytes "
            "(usually 15-25 %%)."
        ),
        _("Set shared_buffers to about a quarter of the RAM and restart PostgreSQL."),
    ),
    "pg.memory_settings.effective_cache_size": CheckText(
        _("effective_cache_size is low"),
        _(
            "effective_cache_size is %(value)s bytes, %(percent)s %% of the host's RAM: the "
            "planner avoids indexes it thinks are not cached."
        ),
        _("Set effective_cache_size to 50-75 %% of the RAM (no restart needed)."),
    ),
    "pg.memory_settings.work_mem": CheckText(
        _("work_mem times connections exceeds the RAM"),
        _(
            "work_mem %(value)s bytes × %(connections)s connections is more than the host's "
            "%(ram)s bytes: busy hours can run out of memory."
        ),
        _(
            "Lower work_mem or max_connections, or raise work_mem only for the reports that "
            "need it (SET LOCAL work_mem)."
        ),
    ),
    "pg.memory_settings.maintenance_work_mem": CheckText(
        _("maintenance_work_mem is high"),
        _("maintenance_work_mem is %(value)s bytes, more than a quarter of the RAM."),
        _("Lower it (1-2 GB is plenty): each autovacuum worker may take that much."),
    ),
    "sqlite.statistics": CheckText(
        _("No planner statistics"),
        _(
            "The database has no ANALYZE statistics although a table holds %(largest_rows)s "
            "rows: SQLite guesses which index to use."
        ),
        _("Run ANALYZE (or PRAGMA optimize) in a quiet moment."),
    ),
    "sqlite.freelist": CheckText(
        _("Free pages in the file"),
        _(
            "%(free_pages)s of %(pages)s pages (%(percent)s %%) are free: the file is larger "
            "than its data."
        ),
        _(
            "Run VACUUM in a maintenance window (it rewrites the file), or enable "
            "auto_vacuum=INCREMENTAL."
        ),
    ),
    "sqlite.wal": CheckText(
        _("Large write-ahead log"),
        _(
            "The WAL file is %(bytes)s bytes for a %(database_bytes)s-byte database: "
            "checkpoints do not keep up, and every read searches the WAL."
        ),
        _("Run PRAGMA wal_checkpoint(TRUNCATE); find readers that stay open for long."),
    ),
    "sqlite.quick_check": CheckText(
        _("Database file damaged"),
        _("PRAGMA quick_check reported: %(problems)s."),
        _("Stop the ERP, restore the newest good backup, and check the disk."),
    ),
    "sqlite.quick_check.slow": CheckText(
        _("Slow integrity check"),
        _("PRAGMA quick_check took %(seconds)s s."),
        _("The file is large for SQLite; consider moving the ERP to PostgreSQL."),
    ),
    "sqlite.frequent_queries": CheckText(
        _("Frequent ERP query scans a table"),
        _(
            "A query the ERP runs often reads all %(rows)s rows of %(table)s (EXPLAIN QUERY "
            "PLAN: SCAN)."
        ),
        _("See the index suggestion for %(table)s and prove it on a restored copy."),
    ),
    "mysql.queries": CheckText(
        _("performance_schema is off"),
        _("Without performance_schema the advisor has no statement statistics."),
        _("Set performance_schema=ON in the server's configuration and restart it."),
    ),
    "mysql.digests": CheckText(
        _("Statement digests are off"),
        _(
            "performance_schema is on, but its statements_digest consumer is disabled: no "
            "statement statistics are collected."
        ),
        _(
            "Run UPDATE performance_schema.setup_consumers SET ENABLED = 'YES' WHERE NAME = "
            "'statements_digest', and set performance_schema_consumer_statements_digest=ON in "
            "the server's configuration so that it stays on after a restart."
        ),
    ),
    "mysql.full_scans": CheckText(
        _("Table read by full scans"),
        _("Full table scans of %(table)s read %(rows_scanned)s rows."),
        _("See the index suggestions for this table."),
    ),
    "mysql.unused_index": CheckText(
        _("Unused index"),
        _("Index %(index)s on %(table)s was not used since the server started."),
        _("If the server ran a full business cycle, drop it: every write pays for it."),
    ),
    "mysql.redundant_index": CheckText(
        _("Redundant index"),
        _("Index %(index)s on %(table)s is covered by %(covered_by)s."),
        _("Drop %(index)s."),
    ),
    "mysql.buffer_pool": CheckText(
        _("Low InnoDB buffer pool hit ratio"),
        _("Only %(percent)s %% of InnoDB reads were served from the buffer pool."),
        _("Raise innodb_buffer_pool_size (about 70 %% of the RAM on a dedicated server)."),
    ),
    "mysql.buffer_pool.size": CheckText(
        _("Small InnoDB buffer pool"),
        _("innodb_buffer_pool_size is %(value)s bytes for %(ram)s bytes of RAM."),
        _("Raise innodb_buffer_pool_size (about 70 %% of the RAM on a dedicated server)."),
    ),
    "mysql.temporary_tables": CheckText(
        _("Temporary tables on disk"),
        _("%(disk)s of %(total)s temporary tables (%(percent)s %%) went to disk."),
        _(
            "Raise tmp_table_size and max_heap_table_size, or index the GROUP BY/ORDER BY "
            "columns of the queries concerned."
        ),
    ),
    "query.slow": CheckText(
        _("Slow query"),
        _("A query on %(tables)s takes %(mean_ms)s ms on average over %(calls)s calls."),
        _("See its index suggestion, if any, and prove it on a restored copy."),
    ),
}

UNKNOWN = CheckText(_("Finding"), "", "")


def text_for(check_id: str) -> CheckText:
    return TEXTS.get(check_id, UNKNOWN)


def render(template, numbers: dict) -> str:
    """``template`` (a lazy translation) filled with ``numbers``; a missing number shows –."""
    if not template:
        return ""
    values = defaultdict(lambda: "–")
    values.update({key: _shown(value) for key, value in (numbers or {}).items()})
    return str(template) % values


def _shown(value):
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:,}"
    return value
