"""PostgreSQL backup engine: several pg_dump streams that share one snapshot; restored by psql
and parallel connections. Helpers live in pg/.

Artifacts, in the order restore reads them:
  pg-database.json   encoding, locale and owner of the database: restore creates it alike (the
                     restore call gets no DumpResult.details, so this travels as an artifact)
  pg-pre-data.sql    pg_dump --section=pre-data: types, tables, functions, views, privileges
  pg-data-N.sql      pg_dump --section=data, one per group of tables, largest first; large
                     tables are spread over ``jobs`` groups, one more group takes the rest;
                     ``jobs`` workers dump (and restore) them, each taking the next when done
  pg-post-data.sql   pg_dump --section=post-data: indexes, constraints, triggers, rules ...

Owners and privileges are dumped (no --no-owner / --no-acl): a backup is faithful. Restore runs
as the connecting role and keeps every ``ALTER ... OWNER TO`` and every GRANT/REVOKE it can run;
it skips only those naming a role that is missing on the destination server or that the
restoring role may not act as (it is not a member; a superuser is a member of every role).
Objects whose owner change was skipped stay owned by the restoring role; RestoreResult.details
counts the skipped statements per role and says so in ``warnings``. So a superuser restores a
database owned by role A on the same server with A owning everything again, and on a server
without role A as a working database owned by itself. The new database gets the source's owner
the same way. Not restored: database-level settings (ALTER DATABASE ... SET) and grants on the
database itself, which plain pg_dump output does not carry.

A failed or cancelled restore drops the database it created; with ``replace`` the old database
was dropped first (the contract), so it is gone too.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections import deque
from functools import partial

from psycopg import sql

from erpkeeper.backups.engines import register
from erpkeeper.backups.engines.base import (
    ArtifactSink,
    ArtifactSource,
    DumpResult,
    Engine,
    EngineError,
    Progress,
    RestoreResult,
)
from erpkeeper.backups.engines.pg.copyrows import CopyRowCounter
from erpkeeper.backups.engines.pg.dump import (
    DATABASE_ARTIFACT,
    POST_DATA_ARTIFACT,
    PRE_DATA_ARTIFACT,
    USER_TABLES,
    DataGroup,
    export_snapshot,
    pg_dump_argv,
    plan_data_groups,
    read_database,
    read_tables,
    refuse_older_client,
    selection,
    stream_dump,
    write_database_artifact,
)
from erpkeeper.backups.engines.pg.libpq import Params, find_tool, tool_version
from erpkeeper.backups.engines.pg.restore import (
    database_exists,
    destination_roles,
    drop_database,
    feed_psql,
    filtered,
    psql_argv,
    read_post_data,
    replace_or_create,
    restore_data,
    run_post_data,
)
from erpkeeper.backups.engines.pg.script import RoleFilter
from erpkeeper.backups.engines.pg.workers import Supervisor, take
from erpkeeper.lib.i18n import gettext as _

MIN_SPLIT_BYTES = 64 << 20
LARGE_TABLE_BYTES = 10 << 20


def default_jobs() -> int:
    return min(2, os.cpu_count() or 1)


@register
class PostgresqlEngine(Engine):
    name = "postgresql"
    label = "PostgreSQL"

    def __init__(
        self,
        url: str,
        *,
        binaries_dir: str | None = None,
        min_split_bytes: int = MIN_SPLIT_BYTES,
        large_table_bytes: int = LARGE_TABLE_BYTES,
    ):
        """``binaries_dir``: where pg_dump and psql are (default: PATH), e.g.
        /usr/lib/postgresql/16/bin. The data is split into several streams only for a database
        of at least ``min_split_bytes`` with two or more tables of ``large_table_bytes``."""
        super().__init__(url)
        self.params = Params.from_url(url)
        self.binaries_dir = binaries_dir
        self.min_split_bytes = min_split_bytes
        self.large_table_bytes = large_table_bytes

    def check_tools(self) -> None:
        for program in ("pg_dump", "psql"):
            find_tool(program, self.binaries_dir)

    def estimate_bytes(self) -> int:
        with self.params.connect() as conn:
            return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]

    # --- dump ----------------------------------------------------------------------------------
    def dump(
        self, sink: ArtifactSink, progress: Progress, *, jobs: int | None = None
    ) -> DumpResult:
        pg_dump = find_tool("pg_dump", self.binaries_dir)
        client_version = tool_version(pg_dump)
        jobs = jobs or default_jobs()
        with self.params.connect() as conn:
            snapshot = export_snapshot(conn)
            database = read_database(conn)
            refuse_older_client(client_version, database)
            groups = plan_data_groups(
                read_tables(conn),
                jobs,
                min_split_bytes=self.min_split_bytes,
                large_table_bytes=self.large_table_bytes,
            )
            produced = {DATABASE_ARTIFACT: write_database_artifact(sink, database)}
            counters = self._run_pg_dumps(pg_dump, snapshot, groups, jobs, sink, progress, produced)
        row_counts = {}
        for counter in counters:
            row_counts.update(counter.counts)
        return DumpResult(
            artifacts=[
                DATABASE_ARTIFACT,
                PRE_DATA_ARTIFACT,
                *(group.artifact for group in groups),
                POST_DATA_ARTIFACT,
            ],
            engine_version=f"PostgreSQL {database['server_version']}",
            row_counts=row_counts,
            raw_bytes=sum(produced.values()),
            details={
                "jobs": min(jobs, len(groups)),
                "groups": [
                    {
                        "artifact": group.artifact,
                        "tables": len(counter.counts),
                        "estimated_bytes": group.estimated_bytes,
                        "bytes": produced[group.artifact],
                    }
                    for group, counter in zip(groups, counters, strict=True)
                ],
                "pg_dump_version": client_version,
                "server_version": database["server_version"],
                "database_bytes": database["bytes"],
                "encoding": database["encoding"],
            },
        )

    def _run_pg_dumps(
        self,
        pg_dump: str,
        snapshot: str,
        groups: list[DataGroup],
        jobs: int,
        sink: ArtifactSink,
        progress: Progress,
        produced: dict[str, int],
    ) -> list[CopyRowCounter]:
        supervisor = Supervisor(
            progress, _("dumping database %(name)s") % {"name": self.params.database}
        )
        argv = partial(pg_dump_argv, pg_dump, self.params, snapshot)
        stream = partial(stream_dump, supervisor, params=self.params, sink=sink, produced=produced)
        counters = [CopyRowCounter() for _group in groups]
        supervisor.start(stream, argv("pre-data"), artifact=PRE_DATA_ARTIFACT, counter=None)
        supervisor.start(stream, argv("post-data"), artifact=POST_DATA_ARTIFACT, counter=None)
        pending = deque(zip(range(len(groups)), groups, counters, strict=True))

        def work() -> None:
            while not supervisor.stopping and (item := take(pending)) is not None:
                index, group, counter = item
                data_argv = argv("data") + selection(groups, index)
                stream(data_argv, artifact=group.artifact, counter=counter)

        for _worker in range(min(jobs, len(groups))):
            supervisor.start(work)
        supervisor.wait()
        return counters

    # --- restore -------------------------------------------------------------------------------
    def restore(
        self,
        source: ArtifactSource,
        artifacts: list[str],
        dest: str,
        progress: Progress,
        *,
        jobs: int | None = None,
        replace: bool = False,
    ) -> RestoreResult:
        psql = find_tool("psql", self.binaries_dir)
        jobs = jobs or default_jobs()
        final = Params.from_url(dest)
        require_artifacts(artifacts)
        database, done = read_database_artifact(source)
        # Replacing restores into a new database first and swaps it in only when complete:
        # a failed restore then leaves the old database as it was.
        swapping = replace and self.exists(dest)
        target = final.on_database(staging_name(final.database)) if swapping else final
        with target.connect_maintenance() as admin:
            role_filter = destination_roles(admin)
            warnings = replace_or_create(admin, target, database, swapping, role_filter.actable)
        try:
            done, seconds = self._restore_scripts(
                psql, source, artifacts, target, progress, done, jobs, role_filter
            )
        except BaseException:
            with contextlib.suppress(Exception):  # the restore's own error is what matters
                drop_params(target)  # only what this restore created
            raise
        if swapping:
            self._swap_in(final, target)
        return RestoreResult(
            raw_bytes=done,
            details={
                "jobs": jobs,
                "seconds": seconds,
                "warnings": warnings + role_filter.warnings(),
                "owners_skipped": dict(role_filter.owners_skipped),
                "grants_skipped": dict(role_filter.grants_skipped),
            },
        )

    def _restore_scripts(
        self,
        psql: str,
        source: ArtifactSource,
        artifacts: list[str],
        target: Params,
        progress: Progress,
        done_bytes: int,
        jobs: int,
        role_filter: RoleFilter,
    ) -> tuple[int, dict[str, float]]:
        argv = psql_argv(psql, target)
        seconds = {}
        started = time.monotonic()
        schema = Supervisor(progress, _("restoring the schema"), done_bytes)
        schema.start(
            feed_psql, schema, argv, target, source, PRE_DATA_ARTIFACT, filtered(role_filter)
        )
        schema.wait()
        seconds["pre-data"] = lap(started)

        started = time.monotonic()
        data = Supervisor(progress, _("restoring the data"), schema.done_bytes)
        restore_data(data, argv, target, source, data_artifacts(artifacts), jobs)
        seconds["data"] = lap(started)

        started = time.monotonic()
        size, units = read_post_data(source, POST_DATA_ARTIFACT, role_filter)
        done = data.done_bytes + size
        with contextlib.ExitStack() as stack:
            connections = [stack.enter_context(target.connect()) for _job in range(jobs)]
            for conn in connections:
                # Index builds sort in memory instead of spilling to disk (the server default,
                # 64 MB, is sized for maintenance while the database serves users).
                conn.execute(f"SET maintenance_work_mem = '{POST_DATA_WORK_MEM}'")
                # A commit per unit, a thousand on a Tryton database: none waits for the disk,
                # flush_commits waits once for all of them, the scripts' included.
                conn.execute("SET synchronous_commit = off")
            run_post_data(progress, done, connections, units)
            flush_commits(connections[0])
        seconds["post-data"] = lap(started)
        return done, seconds

    # --- checks --------------------------------------------------------------------------------
    def row_counts(self, url: str) -> dict[str, int]:
        with Params.from_url(url).connect() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            tables = conn.execute(
                "SELECT n.nspname, c.relname " + USER_TABLES + " ORDER BY 1, 2"
            ).fetchall()
            return {
                f"{schema}.{table}": conn.execute(
                    sql.SQL("SELECT count(*) FROM ONLY {}.{}").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                ).fetchone()[0]
                for schema, table in tables
            }

    def drop(self, dest: str) -> None:
        drop_params(Params.from_url(dest))

    @staticmethod
    def _swap_in(final: Params, staged: Params) -> None:
        """Drop the old database and give the restored one its name."""
        with final.connect_maintenance() as admin:
            drop_database(admin, final.database)
            admin.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(staged.database), sql.Identifier(final.database)
                )
            )

    def exists(self, dest: str) -> bool:
        target = Params.from_url(dest)
        with target.connect_maintenance() as admin:
            return database_exists(admin, target.database)


POST_DATA_WORK_MEM = "256MB"


def flush_commits(conn) -> None:
    """Wait until every commit made so far on the server is on disk. A commit that has a
    transaction id writes a commit record, and a synchronous one returns only once the WAL up to
    it, with every earlier asynchronous commit, is flushed."""
    conn.execute("SET synchronous_commit = on")
    with conn.transaction():
        conn.execute("SELECT pg_catalog.txid_current()")


def drop_params(target: Params) -> None:
    with target.connect_maintenance() as admin:
        drop_database(admin, target.database)


def staging_name(name: str) -> str:
    """A free name for the restored copy while the old database still exists (max 63 bytes)."""
    return f"{name[:40]}_ekrestore_{uuid.uuid4().hex[:8]}"


def lap(started: float) -> float:
    return round(time.monotonic() - started, 3)


def data_artifacts(artifacts: list[str]) -> list[str]:
    return [name for name in artifacts if name.startswith("pg-data-")]


def require_artifacts(artifacts: list[str]) -> None:
    for name in (DATABASE_ARTIFACT, PRE_DATA_ARTIFACT, POST_DATA_ARTIFACT):
        if name not in artifacts:
            raise EngineError(
                _("the backup lacks %(artifact)s: it was not made by the PostgreSQL engine")
                % {"artifact": name}
            )


def read_database_artifact(source: ArtifactSource) -> tuple[dict, int]:
    """The source database's description, and its size in bytes."""
    reader = source.open(DATABASE_ARTIFACT)
    try:
        data = reader.read()
    finally:
        reader.close()
    return json.loads(data), len(data)
