"""Restoring the streams of pg/dump.py into a new database.

psql runs the schema (pre-data) and the data groups, several at once. The post-data script is
split into its TOC items and run on parallel connections: indexes and constraints first, all at
once; then the rest in order, with consecutive foreign keys and triggers at once. A statement
that loses a deadlock or a lock wait is retried; any other error stops the restore.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import psycopg
from psycopg import sql

from erpkeeper.backups.engines.base import (
    ArtifactSource,
    DestinationExists,
    EngineError,
    Progress,
    Reader,
)
from erpkeeper.backups.engines.pg.libpq import Params, one_line
from erpkeeper.backups.engines.pg.script import RoleFilter, TocItem, executable, toc_items
from erpkeeper.backups.engines.pg.workers import Supervisor, raise_for_exit, take
from erpkeeper.backups.engines.pipes import BLOCK
from erpkeeper.lib.i18n import gettext as _

FIRST_IN_PARALLEL = {"INDEX", "CONSTRAINT"}  # primary keys, unique, check, exclusion
LATER_IN_PARALLEL = {"FK CONSTRAINT", "TRIGGER"}
ATTACHED = {"COMMENT", "SECURITY LABEL"}  # pg_dump writes them right after their object
RETRYABLE = (psycopg.errors.DeadlockDetected, psycopg.errors.LockNotAvailable)
ATTEMPTS = 5
# A locale the destination server lacks: create the database with the server's default.
LOCALE_REFUSED = (
    psycopg.errors.WrongObjectType,
    psycopg.errors.InvalidParameterValue,
    psycopg.errors.FeatureNotSupported,
    psycopg.errors.SyntaxError,
)


# --- the database itself ---------------------------------------------------------------------
def database_exists(conn: psycopg.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
    )


def drop_database(conn: psycopg.Connection, name: str) -> None:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def destination_roles(conn: psycopg.Connection) -> RoleFilter:
    """What the destination's roles allow: which exist, which the connected role may act as
    (own objects as), whether it is a superuser."""
    rows = conn.execute(
        "SELECT rolname, pg_has_role(current_user, oid, 'MEMBER'),"
        " rolname = current_user AND rolsuper FROM pg_roles"
    ).fetchall()
    return RoleFilter(
        existing={name for name, _member, _me in rows},
        actable={name for name, member, _me in rows if member},
        superuser=any(me for _name, _member, me in rows),
    )


def replace_or_create(
    conn: psycopg.Connection, target: Params, database: dict, replace: bool, actable: set[str]
) -> list[str]:
    """Create the destination (dropping the old one with ``replace``); return warnings."""
    if database_exists(conn, target.database):
        if not replace:
            raise DestinationExists(
                _(
                    "database %(name)s already exists on %(where)s; restore into a new name "
                    "or use replace"
                )
                % {"name": target.database, "where": target.where()}
            )
        drop_database(conn, target.database)
    return create_database(conn, target.database, database, actable)


def create_database(
    conn: psycopg.Connection, name: str, database: dict, actable: set[str]
) -> list[str]:
    warnings = []
    owner = database.get("owner")
    if owner and owner not in actable:
        warnings.append(
            _("the database is owned by the restoring role: role %(role)s is not available")
            % {"role": owner}
        )
        owner = None
    try:
        _create(conn, create_statement(name, database, owner, with_locale=True), name)
    except LOCALE_REFUSED as exc:
        _create(conn, create_statement(name, database, owner, with_locale=False), name)
        warnings.append(
            _(
                "the source's locale is not available here (%(reason)s): the database uses the "
                "server's default locale"
            )
            % {"reason": one_line(str(exc))}
        )
    return warnings


def _create(conn: psycopg.Connection, statement: sql.Composed, name: str) -> None:
    # Another process may have created the name since it was checked (two drills or proofs
    # started in the same second): say so as the check would have, never with a traceback.
    try:
        conn.execute(statement)
    except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
        raise DestinationExists(
            _("database %(name)s was created by someone else meanwhile; restore into a new name")
            % {"name": name}
        ) from None


def create_statement(
    name: str, database: dict, owner: str | None, *, with_locale: bool
) -> sql.Composed:
    parts = [sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))]
    if owner:
        parts.append(sql.SQL("OWNER {}").format(sql.Identifier(owner)))
    if database.get("encoding"):
        parts.append(sql.SQL("ENCODING {}").format(sql.Literal(database["encoding"])))
    if with_locale:
        for option, key in (("LC_COLLATE", "collate"), ("LC_CTYPE", "ctype")):
            if database.get(key):
                parts.append(sql.SQL(option + " {}").format(sql.Literal(database[key])))
        provider = database.get("locale_provider")
        if provider in ("icu", "builtin") and database.get("locale"):
            parts.append(
                sql.SQL("LOCALE_PROVIDER {} {} {}").format(
                    sql.SQL(provider),
                    sql.SQL(provider.upper() + "_LOCALE"),
                    sql.Literal(database["locale"]),
                )
            )
    return sql.SQL(" ").join(parts)


# --- scripts through psql --------------------------------------------------------------------
def psql_argv(psql: str, target: Params) -> list[str]:
    return [
        psql,
        "--no-psqlrc",
        "--quiet",
        "--no-password",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={target.conninfo()}",
        # Every statement of a script is a commit of its own: thousands in the pre-data, and
        # each would wait for the WAL to reach the disk. The restore ends with one commit
        # that waits for all of them (flush_commits).
        "--command=SET synchronous_commit = off",
        "--file=-",
    ]


def read_blocks(reader: Reader, count: Callable[[int], object]) -> Iterator[bytes]:
    while block := reader.read(BLOCK):
        count(len(block))
        yield block


def feed_psql(
    supervisor: Supervisor,
    argv: list[str],
    target: Params,
    source: ArtifactSource,
    artifact: str,
    transform: Callable[[Iterable[bytes]], Iterable[bytes]] = lambda blocks: blocks,
) -> None:
    reader = source.open(artifact)
    try:
        with tempfile.TemporaryFile() as stderr:
            process = supervisor.spawn(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=target.child_env(),
            )
            try:
                with process.stdin as script:
                    for block in transform(read_blocks(reader, supervisor.add_bytes)):
                        script.write(block)
            except BrokenPipeError:
                pass  # psql stopped early: its exit status and stderr say why
            raise_for_exit(process, stderr, "psql", target.redact)
    finally:
        reader.close()


def filtered(role_filter: RoleFilter) -> Callable[[Iterable[bytes]], Iterator[bytes]]:
    def transform(blocks: Iterable[bytes]) -> Iterator[bytes]:
        for item in toc_items(blocks):
            yield role_filter.apply(item).text

    return transform


def restore_data(
    supervisor: Supervisor,
    argv: list[str],
    target: Params,
    source: ArtifactSource,
    artifacts: list[str],
    jobs: int,
) -> None:
    pending = deque(artifacts)

    def work() -> None:
        while not supervisor.stopping and (artifact := take(pending)) is not None:
            feed_psql(supervisor, argv, target, source, artifact)

    for _worker in range(min(jobs, len(artifacts))):
        supervisor.start(work)
    supervisor.wait()


# --- post-data on parallel connections -------------------------------------------------------
@dataclass
class Unit:
    """An item and the items attached to it (its comments), run as one statement batch."""

    items: list[TocItem]
    sql: bytes = b""

    @property
    def kind(self) -> str:
        return self.items[0].kind

    def label(self) -> str:
        return self.items[0].label()


def read_post_data(
    source: ArtifactSource, artifact: str, role_filter: RoleFilter
) -> tuple[int, list[Unit]]:
    """The post-data script (definitions only: small) as units; and its size."""
    sizes: list[int] = []
    reader = source.open(artifact)
    try:
        items = list(toc_items(read_blocks(reader, sizes.append)))
    finally:
        reader.close()
    return sum(sizes), post_data_units(items, role_filter)


def post_data_units(items: list[TocItem], role_filter: RoleFilter) -> list[Unit]:
    units: list[Unit] = []
    for item in items[1:]:  # the preamble's settings are in every item's settings
        role_filter.apply(item)
        if item.kind in ATTACHED and units:
            units[-1].items.append(item)
        else:
            units.append(Unit([item]))
    keys = sorted({key for item in items for key in item.settings})
    for unit in units:
        settings = unit.items[0].settings
        # A connection may have run a later item before: reset what this one does not set.
        prefix = b"".join(settings.get(key) or f"RESET {key};\n".encode() for key in keys)
        unit.sql = prefix + b"".join(executable(item) for item in unit.items)
    return units


def post_data_steps(units: list[Unit]) -> list[list[Unit]]:
    """Batches run one after the other; the units of a batch run in parallel."""
    first = [unit for unit in units if unit.kind in FIRST_IN_PARALLEL]
    steps = [first] if first else []
    for unit in units:
        if unit.kind in FIRST_IN_PARALLEL:
            continue
        joins_batch = (
            unit.kind in LATER_IN_PARALLEL
            and steps
            and steps[-1] is not first
            and steps[-1][0].kind in LATER_IN_PARALLEL
        )
        if joins_batch:
            steps[-1].append(unit)
        else:
            steps.append([unit])
    return steps


def run_post_data(
    progress: Progress, done_bytes: int, connections: list[psycopg.Connection], units: list[Unit]
) -> None:
    steps = post_data_steps(units)
    if steps and steps[0][0].kind in FIRST_IN_PARALLEL:
        steps[0] = largest_tables_first(connections[0], steps[0])
    for number, step in enumerate(steps):
        message = (
            _("creating indexes and constraints")
            if number == 0 and step[0].kind in FIRST_IN_PARALLEL
            else _("creating foreign keys, triggers and other objects")
        )
        supervisor = Supervisor(progress, message, done_bytes)
        pending = UnitQueue(step)

        def work(conn: psycopg.Connection, supervisor=supervisor, pending=pending) -> None:
            while not supervisor.stopping and (unit := pending.take()) is not None:
                try:
                    execute_unit(conn, unit)
                finally:
                    pending.done(unit)

        for conn in connections[: len(step)]:
            supervisor.on_stop(conn.cancel_safe)
            supervisor.start(work, conn)
        supervisor.wait()


class UnitQueue:
    """Units in order, but never two on the same table at once: a primary key takes an
    exclusive lock, so a second worker on that table would only wait (pg_restore avoids the
    same conflicts)."""

    def __init__(self, units: list[Unit]):
        self.pending = [(unit, unit_table(unit)) for unit in units]
        self.busy: set[str] = set()
        self.changed = threading.Condition()

    def take(self) -> Unit | None:
        with self.changed:
            while self.pending:
                for index, (unit, table) in enumerate(self.pending):
                    if table is None or table not in self.busy:
                        if table is not None:
                            self.busy.add(table)
                        del self.pending[index]
                        return unit
                self.changed.wait(timeout=1.0)
            return None

    def done(self, unit: Unit) -> None:
        with self.changed:
            self.busy.discard(unit_table(unit))
            self.changed.notify_all()


TABLE_OF_UNIT = re.compile(
    rb"(?:\bON|ALTER TABLE)\s+(?:ONLY\s+)?((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))?)"
)


def largest_tables_first(conn: psycopg.Connection, units: list[Unit]) -> list[Unit]:
    """Indexes of the biggest tables first, as pg_restore schedules them: with the longest
    builds started early, no worker is left building one alone at the end."""
    tables = {unit_table(unit) for unit in units} - {None}
    sizes = dict(
        conn.execute(
            "SELECT t, pg_relation_size(to_regclass(t)) FROM unnest(%s::text[]) AS t",
            (sorted(tables),),
        ).fetchall()
    )
    conn.commit()
    return sorted(units, key=lambda unit: sizes.get(unit_table(unit)) or 0, reverse=True)


def unit_table(unit: Unit) -> str | None:
    found = TABLE_OF_UNIT.search(unit.items[0].text)
    return found.group(1).decode() if found else None


def execute_unit(conn: psycopg.Connection, unit: Unit) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            conn.execute(unit.sql)
            return
        except RETRYABLE as exc:
            if attempt == ATTEMPTS:
                raise unit_failed(unit, exc) from None
            time.sleep(0.1 * attempt)
        except psycopg.Error as exc:
            raise unit_failed(unit, exc) from None


def unit_failed(unit: Unit, exc: psycopg.Error) -> EngineError:
    reason = exc.diag.message_primary or str(exc)
    return EngineError(
        _("restoring %(item)s failed: %(reason)s")
        % {"item": unit.label(), "reason": one_line(reason)}
    )
