"""Dumping a database as several plain-SQL pg_dump streams that share one snapshot.

The streams: pre-data (schema), the data split into groups of tables balanced by size, and
post-data (indexes, constraints, triggers). Every pg_dump imports the snapshot exported by a
transaction that stays open until the last one has finished, so together they are one
consistent copy even while the ERP writes.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass, field

import psycopg

from erpkeeper.backups.engines.base import ArtifactSink, EngineError
from erpkeeper.backups.engines.pg.copyrows import CopyRowCounter
from erpkeeper.backups.engines.pg.libpq import Params, major
from erpkeeper.backups.engines.pg.workers import Supervisor, raise_for_exit
from erpkeeper.backups.engines.pipes import read_blocks
from erpkeeper.lib.i18n import gettext as _

DATABASE_ARTIFACT = "pg-database.json"
PRE_DATA_ARTIFACT = "pg-pre-data.sql"
POST_DATA_ARTIFACT = "pg-post-data.sql"

# Tables whose data pg_dump writes: ordinary tables (partitions included: a partitioned parent
# holds no rows), not temporary, not in system schemas, not created by an extension unless the
# extension marked it as configuration (pg_dump then dumps its rows too).
USER_TABLES = """
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND c.relpersistence <> 't'
      AND n.nspname <> ALL (ARRAY['pg_catalog', 'information_schema'])
      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
      AND (NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass
                       AND e.objid = c.oid AND e.deptype = 'e')
           OR c.oid IN (SELECT unnest(extconfig) FROM pg_extension))
"""

# Balanced by the size of the rows (pg_table_size: heap and TOAST), not with the indexes, which
# pg_dump does not read: with them, a group of heavily indexed tables finished well after the
# other (0.3 s of 3.5 on the large demo).
TABLES_BY_SIZE = (
    """
    SELECT n.nspname, c.relname, pg_table_size(c.oid) AS bytes,
           COALESCE((SELECT json_agg(json_build_array(sn.nspname, s.relname))
                     FROM pg_depend d
                     JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                     JOIN pg_namespace sn ON sn.oid = s.relnamespace
                     WHERE d.classid = 'pg_class'::regclass
                       AND d.refclassid = 'pg_class'::regclass
                       AND d.refobjid = c.oid AND d.deptype IN ('a', 'i')), '[]')
    """
    + USER_TABLES
    + " ORDER BY bytes DESC, n.nspname, c.relname"
)

DATABASE_INFO = """
    SELECT current_setting('server_version'), current_setting('server_version_num')::int,
           pg_database_size(d.oid), pg_encoding_to_char(d.encoding), pg_get_userbyid(d.datdba),
           to_jsonb(d)
    FROM pg_database d WHERE d.datname = current_database()
"""
LOCALE_PROVIDERS = {"c": "libc", "i": "icu", "b": "builtin"}


@dataclass
class Table:
    schema: str
    name: str
    bytes: int
    sequences: list[tuple[str, str]]  # owned by the table: pg_dump -t sets them with it

    def pattern(self) -> str:
        return pattern(self.schema, self.name)

    def sequence_patterns(self) -> list[str]:
        return [pattern(schema, name) for schema, name in self.sequences]


@dataclass
class DataGroup:
    artifact: str
    tables: list[Table] = field(default_factory=list)
    estimated_bytes: int = 0
    rest: bool = False  # everything the other groups do not list


def pattern(schema: str, name: str) -> str:
    """A pg_dump -t/-T pattern matching exactly this name (quoted: no wildcards, no folding)."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


def export_snapshot(conn: psycopg.Connection) -> str:
    # The transaction idles while the pg_dumps run: a server-side timeout must not end it.
    conn.execute("SET idle_in_transaction_session_timeout = 0")
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    return conn.execute("SELECT pg_export_snapshot()").fetchone()[0]


def read_database(conn: psycopg.Connection) -> dict:
    version, version_num, size, encoding, owner, row = conn.execute(DATABASE_INFO).fetchone()
    return {
        "server_version": version.split()[0],
        "server_major": version_num // 10000,
        "bytes": size,
        "encoding": encoding,
        "collate": row.get("datcollate"),
        "ctype": row.get("datctype"),
        "locale_provider": LOCALE_PROVIDERS.get(row.get("datlocprovider") or "c", "libc"),
        "locale": row.get("datlocale") or row.get("daticulocale"),
        "owner": owner,
    }


def refuse_older_client(client_version: str, database: dict) -> None:
    if major(client_version) < database["server_major"]:
        raise EngineError(
            _(
                "pg_dump %(client)s cannot dump a PostgreSQL %(server)s server: install the "
                "PostgreSQL %(major)d client or newer"
            )
            % {
                "client": client_version,
                "server": database["server_version"],
                "major": database["server_major"],
            }
        )


def read_tables(conn: psycopg.Connection) -> list[Table]:
    return [
        Table(schema, name, size or 0, [tuple(seq) for seq in sequences])
        for schema, name, size, sequences in conn.execute(TABLES_BY_SIZE)
    ]


def plan_data_groups(
    tables: list[Table], jobs: int, *, min_split_bytes: int, large_table_bytes: int
) -> list[DataGroup]:
    """Groups of tables for pg_dump streams, largest first: the large tables spread over up to
    ``jobs`` groups balanced by size, and a group with everything the others
    do not list (small tables, sequences, large objects). ``jobs`` workers take the groups in
    this order, each the next as it finishes, so the workers end close together even where
    the sizes predict the dump's time badly. One group when splitting cannot pay off."""
    total = sum(table.bytes for table in tables)
    large = [table for table in tables if table.bytes >= large_table_bytes]
    if jobs < 2 or total < min_split_bytes or len(large) < 2:
        return [DataGroup(data_artifact(1), estimated_bytes=total, rest=True)]
    # More groups than workers balance better but start more pg_dumps: on the large demo 4 per
    # worker measured slower (3.3-3.9 s against 3.1 s).
    groups = [DataGroup("") for _ in range(min(len(large), jobs))]
    for table in sorted(large, key=lambda table: table.bytes, reverse=True):
        lightest = min(groups, key=lambda group: group.estimated_bytes)
        lightest.tables.append(table)
        lightest.estimated_bytes += table.bytes
    rest = DataGroup("", estimated_bytes=total - sum(table.bytes for table in large), rest=True)
    ordered = sorted([*groups, rest], key=lambda group: group.estimated_bytes, reverse=True)
    for number, group in enumerate(ordered, 1):
        group.artifact = data_artifact(number)
    return ordered


def data_artifact(number: int) -> str:
    return f"pg-data-{number}.sql"


def selection(groups: list[DataGroup], index: int) -> list[str]:
    """pg_dump switches choosing the tables of groups[index]."""
    if not groups[index].rest:
        return [f"--table={table.pattern()}" for table in groups[index].tables]
    others = [table for group in groups for table in group.tables]
    # pg_dump --table also sets the sequences the table owns: excluded here, or set twice.
    return [
        f"--exclude-table={name}"
        for table in others
        for name in [table.pattern(), *table.sequence_patterns()]
    ]


def pg_dump_argv(pg_dump: str, params: Params, snapshot: str, section: str) -> list[str]:
    return [
        pg_dump,
        f"--dbname={params.conninfo()}",
        "--no-password",
        f"--snapshot={snapshot}",
        "--format=plain",
        f"--section={section}",
    ]


def stream_dump(
    supervisor: Supervisor,
    argv: list[str],
    params: Params,
    sink: ArtifactSink,
    artifact: str,
    counter: CopyRowCounter | None,
    produced: dict[str, int],
) -> None:
    """Copy one pg_dump's output into the artifact, in big blocks."""
    writer = sink.open(artifact)
    try:
        with tempfile.TemporaryFile() as stderr:
            process = supervisor.spawn(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=params.child_env(),
            )
            size = 0
            with process.stdout as output:
                for block in read_blocks(output):
                    writer.write(block)
                    if counter is not None:
                        counter.feed(block)
                    size += len(block)
                    supervisor.add_bytes(len(block))
            raise_for_exit(process, stderr, "pg_dump", params.redact)
            produced[artifact] = size
    finally:
        writer.close()


def write_database_artifact(sink: ArtifactSink, database: dict) -> int:
    data = json.dumps(database, sort_keys=True).encode()
    writer = sink.open(DATABASE_ARTIFACT)
    try:
        writer.write(data)
    finally:
        writer.close()
    return len(data)
