"""SQLite backup engine: one artifact ``sqlite.db``, a consistent image of the database file.

Rollback-journal databases (journal_mode delete, truncate or persist) are streamed straight
from the live file inside a read transaction: its SHARED lock stops writers from committing
until the copy is done, which is what the online backup API does when it copies in one step.
No copy of the data is written anywhere but into the artifact writer.

WAL-mode databases are the exception: there the database file alone is not a snapshot (the
committed pages may still be in the -wal file), so the engine takes a snapshot with the online
backup API into a staging file and streams that. This is the one case where ERPKeeper writes an
unencrypted copy of the data to its own disk: a file of mode 0600 in a private 0700 directory,
deleted as soon as it is streamed (also on error or cancel). The directory is created under the
system temporary directory, or under ``$ERPKEEPER_BACKUP_STAGING`` (or the ``staging_dir``
constructor option) when set; point it at a tmpfs (e.g. ``/dev/shm`` or ``/run/user/<uid>``)
so that the copy never reaches a disk. It needs about the size of the database.

Writers never wait on a WAL snapshot; with a rollback journal they wait for the copy (the
busy timeout of the ERP must be longer than the copy; SQLite ERPs are small).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sqlite3
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

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
)
from erpkeeper.lib import dburl
from erpkeeper.lib.i18n import gettext as _

ARTIFACT = "sqlite.db"
BLOCK = 1 << 20
BUSY_TIMEOUT = 60.0
SIDECARS = ("-wal", "-shm", "-journal")


def database_path(url_or_path: str) -> Path:
    """The file of a ``sqlite:////abs/file`` URL or of a plain path."""
    if "://" not in url_or_path:
        return Path(url_or_path).expanduser().resolve()
    try:
        parsed = dburl.parse(url_or_path)
    except dburl.DatabaseUrlError as exc:
        raise EngineError(str(exc)) from None
    if parsed.engine != "sqlite":
        raise EngineError(_("not a SQLite URL: {url}").format(url=parsed.masked()))
    return Path(parsed.path)


def connect_read_only(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    uri = f"file:{quote(str(path))}?mode=ro" + ("&immutable=1" if immutable else "")
    return sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(conn: sqlite3.Connection) -> dict[str, int]:
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\' ORDER BY name"
    ).fetchall()
    return {
        name: conn.execute(f"SELECT count(*) FROM {quote_identifier(name)}").fetchone()[0]
        for (name,) in tables
    }


def stream_file(handle, writer, progress: Progress, message: str) -> int:
    done = 0
    while block := handle.read(BLOCK):
        writer.write(block)
        done += len(block)
        progress(done, message)
    return done


def sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in SIDECARS]


def remove_with_sidecars(path: Path) -> None:
    for file in (path, *sidecars(path)):
        file.unlink(missing_ok=True)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@register
class SqliteEngine(Engine):
    name = "sqlite"
    label = "SQLite"

    def __init__(self, url: str, *, staging_dir: str | None = None):
        super().__init__(url)
        self.path = database_path(url)
        self.staging_dir = staging_dir or staging_setting() or None

    def estimate_bytes(self) -> int:
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(file.stat().st_size for file in (self.path, wal) if file.exists())

    def dump(
        self, sink: ArtifactSink, progress: Progress, *, jobs: int | None = None
    ) -> DumpResult:
        if not self.path.is_file():
            raise EngineError(_("SQLite database not found: {path}").format(path=self.path))
        try:
            with contextlib.closing(connect_read_only(self.path)) as conn:
                mode = conn.execute("PRAGMA journal_mode").fetchone()[0].lower()
            if mode == "wal":
                result = self._dump_staged_snapshot(sink, progress)
            else:  # a rollback journal (delete, truncate, persist)
                result = self._dump_locked_file(sink, progress)
        except (sqlite3.Error, OSError) as exc:
            raise EngineError(
                _("SQLite backup of {path} failed: {error}").format(path=self.path, error=exc)
            ) from None
        result.details["journal_mode"] = mode
        return result

    def _dump_locked_file(self, sink: ArtifactSink, progress: Progress) -> DumpResult:
        # Python's file must be closed only after SQLite released its lock: closing any
        # descriptor of the file drops all of this process's POSIX locks on it.
        with (
            open(self.path, "rb") as raw,
            contextlib.closing(connect_read_only(self.path)) as conn,
        ):
            conn.execute("BEGIN")
            try:
                counts = count_rows(conn)  # the first read takes the SHARED lock
                size = self._write_artifact(sink, raw, progress)
            finally:
                conn.execute("ROLLBACK")
        return self._result(counts, size, staged=False)

    def _dump_staged_snapshot(self, sink: ArtifactSink, progress: Progress) -> DumpResult:
        progress(0, _("taking a snapshot of the WAL-mode SQLite database"))
        staging = Path(tempfile.mkdtemp(prefix="erpkeeper-sqlite-", dir=self.staging_dir))
        try:
            staged = staging / "snapshot.sqlite"
            os.close(os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with (
                contextlib.closing(connect_read_only(self.path)) as src,
                contextlib.closing(sqlite3.connect(staged)) as dst,
            ):
                src.backup(dst)  # in one step: a step-wise copy restarts on every commit
            with contextlib.closing(connect_read_only(staged, immutable=True)) as conn:
                counts = count_rows(conn)
            with open(staged, "rb") as raw:
                size = self._write_artifact(sink, raw, progress)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self._result(counts, size, staged=True)

    def _write_artifact(self, sink: ArtifactSink, raw, progress: Progress) -> int:
        writer = sink.open(ARTIFACT)
        try:
            return stream_file(raw, writer, progress, _("copying the SQLite database"))
        finally:
            writer.close()

    @staticmethod
    def _result(counts: dict[str, int], size: int, *, staged: bool) -> DumpResult:
        return DumpResult(
            artifacts=[ARTIFACT],
            engine_version=f"SQLite {sqlite3.sqlite_version}",
            row_counts=counts,
            raw_bytes=size,
            details={"staged_copy": staged},
        )

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
                _("not a SQLite backup: expected the artifact {name}").format(name=ARTIFACT)
            )
        target = database_path(dest)
        if target.exists() and not replace:
            raise DestinationExists(
                _("{path} already exists (use replace to overwrite it)").format(path=target)
            )
        partial = target.with_name(target.name + ".partial")
        try:
            size = self._receive(source, partial, progress)
            check_integrity(partial)
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o600
            os.chmod(partial, mode)
            swap_into_place(partial, target)
        except OSError as exc:
            raise EngineError(
                _("SQLite restore into {path} failed: {error}").format(path=target, error=exc)
            ) from None
        finally:
            remove_with_sidecars(partial)
        return RestoreResult(raw_bytes=size, details={"path": str(target), "integrity": "ok"})

    @staticmethod
    def _receive(source: ArtifactSource, partial: Path, progress: Progress) -> int:
        partial.parent.mkdir(parents=True, exist_ok=True)
        remove_with_sidecars(partial)
        reader = source.open(ARTIFACT)
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "wb") as out:
                size = stream_file(reader, out, progress, _("restoring the SQLite database"))
                out.flush()
                os.fsync(out.fileno())
        finally:
            reader.close()
        return size

    def row_counts(self, url: str) -> dict[str, int]:
        path = database_path(url)
        if not path.is_file():
            raise EngineError(_("SQLite database not found: {path}").format(path=path))
        try:
            with contextlib.closing(connect_read_only(path)) as conn:
                conn.execute("BEGIN")
                try:
                    return count_rows(conn)
                finally:
                    conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            raise EngineError(
                _("cannot count rows in {path}: {error}").format(path=path, error=exc)
            ) from None

    def drop(self, dest: str) -> None:
        remove_with_sidecars(database_path(dest))

    def exists(self, dest: str) -> bool:
        return database_path(dest).exists()


def check_integrity(path: Path) -> None:
    try:
        # immutable: the file is private to the restore, and opening it must not create a -wal.
        with contextlib.closing(connect_read_only(path, immutable=True)) as conn:
            rows = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    except sqlite3.Error as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        raise EngineError(
            _("the restored SQLite database is damaged: {problem}").format(problem=rows[0])
        )


def swap_into_place(partial: Path, target: Path) -> None:
    """Rename ``partial`` to ``target``; an old target (and its -wal/-shm/-journal, which
    must never be paired with the new file) is moved aside first and deleted at the end."""
    tag = secrets.token_hex(4)
    aside = [
        (old, old.with_name(f"{old.name}.old-{tag}"))
        for old in (target, *sidecars(target))
        if old.exists()
    ]
    for old, moved in aside:
        os.replace(old, moved)
    try:
        os.replace(partial, target)
    except OSError:
        for old, moved in aside:
            os.replace(moved, old)
        raise
    fsync_directory(target.parent)
    for _old, moved in aside:
        moved.unlink(missing_ok=True)


def staging_setting() -> str:
    """ERPKEEPER_BACKUP_STAGING through the settings; engines also run without Django set up
    (benchmarks), where there is none."""
    return getattr(settings, "BACKUP_STAGING", "") if settings.configured else ""
