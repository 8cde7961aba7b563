"""MariaDB/MySQL backup engine: ``mariadb-dump`` streamed into one artifact ``mysql.sql``.

The dump covers one database with its routines, triggers, events and views, without CREATE
DATABASE or USE, so it can be restored under another name. Restores pipe it into the
``mariadb`` client (the dump uses client syntax such as DELIMITER).

Consistency. ``--single-transaction`` makes mariadb-dump read every InnoDB table in one
consistent-snapshot transaction. To record the exact row counts of that same snapshot the
engine opens its own connection and

1. takes FLUSH TABLES WITH READ LOCK (waiting at most ``lock_wait_timeout``, default 30 s),
2. starts its own START TRANSACTION WITH CONSISTENT SNAPSHOT,
3. starts mariadb-dump and waits for its first output after the header: mariadb-dump writes
   table definitions only after its own snapshot transaction has started,
4. releases the lock (UNLOCK TABLES), streams the dump, and then counts rows
   (SELECT COUNT(*) per base table) in its still open snapshot transaction.

No transaction can commit while the global read lock is held, so both snapshots see the same
committed state. Writers of the whole server pause from step 1 to step 4, the time
mariadb-dump needs to connect: well under a second (``details["writes_paused_seconds"]``).
FLUSH TABLES has to wait for running statements, so a long query on the server can make that
pause last up to ``lock_wait_timeout``; then the backup fails with a clear message rather than
stall the ERP. Non-transactional tables (MyISAM, Aria) are not covered by the snapshot.

Privileges of the backup user: SELECT, SHOW VIEW, TRIGGER, EVENT and RELOAD (for the lock);
for routines defined by other users also SELECT on mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL).

Passwords reach the client programs only through a temporary option file (mode 0600, deleted
as soon as the program exits), never through argv or the environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import select
import shutil
import subprocess
import tempfile
import time

import pymysql

from erpkeeper.backups.engines import register
from erpkeeper.backups.engines.base import (
    ArtifactSink,
    ArtifactSource,
    DestinationExists,
    DumpResult,
    Engine,
    EngineError,
    Progress,
    RestoreResult,
    ToolMissing,
)
from erpkeeper.backups.engines.mysql_events import EventDisabler
from erpkeeper.backups.engines.pipes import read_blocks
from erpkeeper.lib import dburl
from erpkeeper.lib.i18n import gettext as _

ARTIFACT = "mysql.sql"
CHUNK = 1 << 20
DUMP_PROGRAMS = ("mariadb-dump", "mysqldump")
CLIENT_PROGRAMS = ("mariadb", "mysql")
DUMP_OPTIONS = (
    "--single-transaction",
    "--routines",
    "--triggers",
    "--events",
    "--hex-blob",
    "--default-character-set=utf8mb4",
    "--no-tablespaces",
)
# The last line of the header that mariadb-dump (and mysqldump) writes before its snapshot.
HEADER_END = b"SQL_NOTES=0 */;\n"
ERROR_TAIL_BYTES = 64 * 1024


def parse_url(url: str) -> dburl.DatabaseUrl:
    try:
        parsed = dburl.parse(url)
    except dburl.DatabaseUrlError as exc:
        raise EngineError(str(exc)) from None
    if parsed.engine != "mysql":
        raise EngineError(_("not a MariaDB/MySQL URL: {url}").format(url=parsed.masked()))
    return parsed


def quote_identifier(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quote_option(value: str) -> str:
    """A value for a MySQL option file, which unescapes these inside double quotes."""
    for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
        value = value.replace(raw, escaped)
    return f'"{value}"'


def one_line(text: str, db: dburl.DatabaseUrl) -> str:
    """The last non-empty line of a message, with the password masked (belt and braces)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[-1] if lines else ""
    return line.replace(db.password, dburl.MASK) if db.password else line


def server_label(db: dburl.DatabaseUrl) -> str:
    return f"{db.host or 'localhost'}:{db.port or 3306}"


def dump_has_started(head: bytes) -> bool:
    end = head.find(HEADER_END)
    return end >= 0 and head[end + len(HEADER_END) :].strip() != b""


@contextlib.contextmanager
def server_errors(db: dburl.DatabaseUrl):
    """Driver errors as one-line EngineErrors naming the server."""
    try:
        yield
    except pymysql.MySQLError as exc:
        message = exc.args[1] if len(exc.args) > 1 else str(exc)
        raise EngineError(f"MariaDB {server_label(db)}: {one_line(str(message), db)}") from None


@contextlib.contextmanager
def option_file(db: dburl.DatabaseUrl):
    """Connection options for the client programs in a private temporary file."""
    fd, path = tempfile.mkstemp(prefix="erpkeeper-", suffix=".cnf")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(
                "[client]\nprotocol=tcp\n"  # PyMySQL always uses TCP: connect the same way
                f"host={quote_option(db.host or 'localhost')}\nport={db.port or 3306}\n"
                f"user={quote_option(db.user)}\npassword={quote_option(db.password)}\n"
            )
        yield path
    finally:
        os.unlink(path)


def last_error(errors, db: dburl.DatabaseUrl) -> str:
    errors.seek(max(0, os.fstat(errors.fileno()).st_size - ERROR_TAIL_BYTES))
    return one_line(errors.read().decode("utf-8", "replace"), db)


@register
class MysqlEngine(Engine):
    """``url``: mysql://user:password@host:port/database. ``search_path``: where to look for
    the client programs (default $PATH). Restore and drill destinations are mysql:// URLs, or
    database names on the same server."""

    name = "mysql"
    label = "MariaDB / MySQL"

    def __init__(self, url: str, *, search_path: str | None = None, lock_wait_timeout: int = 30):
        super().__init__(url)
        self.server = parse_url(url)
        self.search_path = search_path
        self.lock_wait_timeout = lock_wait_timeout

    def check_tools(self) -> None:
        self._program(DUMP_PROGRAMS)
        self._program(CLIENT_PROGRAMS)

    def _program(self, names: tuple[str, ...]) -> str:
        for name in names:
            if found := shutil.which(name, path=self.search_path):
                return found
        raise ToolMissing(
            _(
                "{program} not found: install the MariaDB client "
                "(Debian/Ubuntu: apt install mariadb-client)"
            ).format(program=names[0])
        )

    def _target(self, dest: str) -> dburl.DatabaseUrl:
        if "://" in dest:
            return parse_url(dest)
        return dataclasses.replace(self.server, database=dest)

    def _connect(self, db: dburl.DatabaseUrl, *, use_database: bool = True):
        with server_errors(db):
            return pymysql.connect(
                host=db.host or "localhost",
                port=db.port or 3306,
                user=db.user,
                password=db.password,
                database=db.database if use_database else None,
                charset="utf8mb4",
                connect_timeout=10,
                autocommit=True,
            )

    def estimate_bytes(self) -> int:
        with contextlib.closing(self._connect(self.server)) as conn, server_errors(self.server):
            cursor = conn.cursor()
            cursor.execute(
                "SELECT COALESCE(SUM(data_length + index_length), 0) "
                "FROM information_schema.tables WHERE table_schema = %s",
                (self.server.database,),
            )
            return int(cursor.fetchone()[0])

    # --- dump ---------------------------------------------------------------------------------
    def dump(
        self, sink: ArtifactSink, progress: Progress, *, jobs: int | None = None
    ) -> DumpResult:
        program = self._program(DUMP_PROGRAMS)
        with contextlib.closing(self._connect(self.server)) as conn, server_errors(self.server):
            cursor = conn.cursor()
            cursor.execute("SELECT VERSION()")
            version = cursor.fetchone()[0]
            paused_at = self._pause_commits_and_snapshot(cursor)
            size, paused = self._run_dump(program, cursor, paused_at, sink, progress)
            counts = count_rows(cursor, self.server.database)
            cursor.execute("ROLLBACK")
        return DumpResult(
            artifacts=[ARTIFACT],
            engine_version=product_version(version),
            row_counts=counts,
            raw_bytes=size,
            details={
                "server_version": version,
                "dump_program": os.path.basename(program),
                "writes_paused_seconds": round(paused, 3),
            },
        )

    def _pause_commits_and_snapshot(self, cursor) -> float:
        cursor.execute(f"SET SESSION lock_wait_timeout = {int(self.lock_wait_timeout)}")
        try:
            cursor.execute("FLUSH TABLES WITH READ LOCK")
        except pymysql.MySQLError as exc:
            raise EngineError(
                _(
                    "cannot pause writes for a consistent snapshot of {database} "
                    "(FLUSH TABLES WITH READ LOCK, needs the RELOAD privilege): {error}"
                ).format(
                    database=self.server.database, error=one_line(str(exc.args[-1]), self.server)
                )
            ) from None
        paused_at = time.monotonic()
        cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
        return paused_at

    def _run_dump(self, program, cursor, paused_at, sink, progress) -> tuple[int, float]:
        writer = sink.open(ARTIFACT)
        try:
            with option_file(self.server) as options, tempfile.TemporaryFile() as errors:
                command = [
                    program,
                    f"--defaults-extra-file={options}",  # must come first
                    *DUMP_OPTIONS,
                    "--",
                    self.server.database,
                ]
                with subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    bufsize=0,
                ) as process:
                    try:
                        head = self._read_until_snapshot(process.stdout)
                        cursor.execute("UNLOCK TABLES")
                        paused = time.monotonic() - paused_at
                        size = self._stream(head, process.stdout, writer, progress)
                    except BaseException:
                        process.kill()
                        raise
                if process.returncode != 0:
                    raise EngineError(
                        _("{program} failed: {error}").format(
                            program=os.path.basename(program), error=last_error(errors, self.server)
                        )
                    )
        finally:
            writer.close()
        return size, paused

    def _read_until_snapshot(self, stdout) -> bytes:
        head = bytearray()
        deadline = time.monotonic() + self.lock_wait_timeout
        while not dump_has_started(head):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise EngineError(
                    _("mariadb-dump did not start within {seconds} s; writes were resumed").format(
                        seconds=self.lock_wait_timeout
                    )
                )
            readable, _unused, _unused = select.select([stdout], [], [], remaining)
            if readable:
                chunk = stdout.read(CHUNK)
                if not chunk:  # it exited: the return code tells why
                    break
                head += chunk
        return bytes(head)

    def _stream(self, head: bytes, stdout, writer, progress: Progress) -> int:
        message = _("dumping MariaDB database {database}").format(database=self.server.database)
        done = 0
        for chunk in itertools.chain([head] if head else [], read_blocks(stdout)):
            writer.write(chunk)
            done += len(chunk)
            progress(done, message)
        return done

    # --- restore ------------------------------------------------------------------------------
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
        if artifacts != [ARTIFACT]:
            raise EngineError(
                _("not a MariaDB/MySQL backup: expected the artifact {name}").format(name=ARTIFACT)
            )
        program = self._program(CLIENT_PROGRAMS)
        target = self._target(dest)
        self._create_database(target, replace=replace)
        # A copy beside the original must not run the original's scheduled events; replacing
        # (the original itself, as a rule) restores them as they were.
        events = None if replace else EventDisabler()
        try:
            size = self._feed_client(program, target, source, progress, events)
        except BaseException:
            with contextlib.suppress(EngineError):
                self.drop(dest)  # a half-restored database must not pass for a restored one
            raise
        details = {"database": target.database, "warnings": []}
        if events is not None and events.disabled:
            details["events_disabled"] = events.disabled
            details["warnings"].append(
                _(
                    "scheduled events restored disabled: {events} (ALTER EVENT … ENABLE to run "
                    "them in this copy)"
                ).format(events=", ".join(events.disabled))
            )
        return RestoreResult(raw_bytes=size, details=details)

    def _create_database(self, target: dburl.DatabaseUrl, *, replace: bool) -> None:
        name = quote_identifier(target.database)
        with (
            contextlib.closing(self._connect(target, use_database=False)) as conn,
            server_errors(target),
        ):
            cursor = conn.cursor()
            if schema_exists(cursor, target.database):
                if not replace:
                    raise DestinationExists(
                        _(
                            "database {database} already exists on {server} "
                            "(use replace to overwrite it)"
                        ).format(database=target.database, server=server_label(target))
                    )
                cursor.execute(f"DROP DATABASE {name}")
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")

    def _feed_client(self, program, target, source, progress, events) -> int:
        message = _("restoring MariaDB database {database}").format(database=target.database)
        with option_file(target) as options, tempfile.TemporaryFile() as errors:
            command = [
                program,
                f"--defaults-extra-file={options}",
                "--default-character-set=utf8mb4",
                f"--database={target.database}",
            ]
            with subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors
            ) as process:
                reader = source.open(ARTIFACT)
                try:
                    done = pump(reader, process.stdin, progress, message, events)
                except BaseException:
                    process.kill()
                    raise
                finally:
                    reader.close()
                    with contextlib.suppress(BrokenPipeError):
                        process.stdin.close()
            if process.returncode != 0:
                raise EngineError(
                    _("restoring into {database} failed: {error}").format(
                        database=target.database, error=last_error(errors, target)
                    )
                )
        return done

    # --- drills -------------------------------------------------------------------------------
    def row_counts(self, url: str) -> dict[str, int]:
        target = self._target(url)
        with contextlib.closing(self._connect(target)) as conn, server_errors(target):
            cursor = conn.cursor()
            cursor.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            counts = count_rows(cursor, target.database)
            cursor.execute("ROLLBACK")
            return counts

    def drop(self, dest: str) -> None:
        target = self._target(dest)
        with (
            contextlib.closing(self._connect(target, use_database=False)) as conn,
            server_errors(target),
        ):
            conn.cursor().execute(f"DROP DATABASE IF EXISTS {quote_identifier(target.database)}")

    def exists(self, dest: str) -> bool:
        target = self._target(dest)
        with (
            contextlib.closing(self._connect(target, use_database=False)) as conn,
            server_errors(target),
        ):
            return schema_exists(conn.cursor(), target.database)


def pump(reader, stdin, progress: Progress, message: str, events=None) -> int:
    done = 0
    with contextlib.suppress(BrokenPipeError):  # the client stopped at an error: see its stderr
        while chunk := reader.read(CHUNK):
            stdin.write(chunk if events is None else events.feed(chunk))
            done += len(chunk)
            progress(done, message)
        if events is not None:
            stdin.write(events.finish())
    return done


def schema_exists(cursor, database: str) -> bool:
    cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (database,))
    return cursor.fetchone() is not None


def count_rows(cursor, database: str) -> dict[str, int]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
        (database,),
    )
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(
            f"SELECT COUNT(*) FROM {quote_identifier(database)}.{quote_identifier(table)}"
        )
        counts[table] = cursor.fetchone()[0]
    return counts


def product_version(version: str) -> str:
    """ "10.11.19-MariaDB-0+deb12u1" -> "MariaDB 10.11.19"; "8.0.36" -> "MySQL 8.0.36"."""
    number = version.split("-", 1)[0]
    return f"MariaDB {number}" if "mariadb" in version.lower() else f"MySQL {number}"
