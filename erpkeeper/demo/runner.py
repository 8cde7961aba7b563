"""``build_demo``: prepare the target database, run the builder child process, relay progress.

The parent never imports trytond: the configuration lives in a temporary folder, the
administrator password in a generated one-line file handed over with TRYTONPASSFILE.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from erpkeeper.demo import catalog, protocol
from erpkeeper.lib.dburl import DatabaseUrl, DatabaseUrlError, parse
from erpkeeper.lib.i18n import gettext as _

ProgressCallback = Callable[[int, int, str], None]


class DemoBuildError(Exception):
    """The demo ERP could not be built; the message is one line meant for the user."""


class DemoInputError(DemoBuildError):
    """The request itself is wrong (unknown size, unusable database URL)."""


def build_demo(
    db_url: str,
    size: str = "small",
    seed: int = 1,
    progress: ProgressCallback | None = None,
    *,
    password_file: str | os.PathLike | None = None,
    anchor: dt.date | None = None,
    timeout: float | None = None,
    base_cache: str | os.PathLike | None = None,
) -> dict:
    """Build a real Tryton 8.2 database with realistic history at ``db_url``.

    ``db_url``: ``sqlite:////abs/path/name.sqlite`` or ``postgresql://user@host:port/dbname``
    (the PostgreSQL database is created when missing). An existing Tryton database is never
    overwritten. ``password_file``: where to keep the generated administrator password
    (mode 0600); by default it lives in a temporary folder and is discarded.
    ``base_cache``: a folder (default: $ERPKEEPER_DEMO_BASE_CACHE) where a SQLite database
    with the modules activated is kept, so that later SQLite builds skip the activation.
    ``anchor``: the day after the history (default: $ERPKEEPER_DEMO_ANCHOR, else today UTC).
    Returns the summary of what was built (counts per state, timings, where it is).
    A failed build removes the database it created.
    """
    if size not in catalog.SIZES:
        raise DemoInputError(
            _("Unknown size %(size)s: choose one of %(choices)s.")
            % {"size": size, "choices": ", ".join(catalog.SIZES)}
        )
    target = _parse(db_url)
    anchor = anchor or _anchor_from_environment() or dt.datetime.now(dt.UTC).date()
    base_cache = base_cache or os.environ.get("ERPKEEPER_DEMO_BASE_CACHE") or None
    with tempfile.TemporaryDirectory(prefix="ek-demo-") as workdir:
        work = Path(workdir)
        extra = []
        created = True
        if target.engine == "sqlite":
            database_name, conf = _prepare_sqlite(target, work)
            if base_cache:
                base = Path(base_cache) / f"tryton-base-{_base_key()}.sqlite"
                if base.exists():
                    shutil.copyfile(base, target.path)
                    extra = ["--activated"]
                else:
                    extra = ["--save-base", str(base)]
        else:
            database_name, conf, created = _prepare_postgres(target, work)
        passfile = Path(password_file) if password_file else work / "admin-password"
        _write_password(passfile)
        try:
            summary = _run_builder(
                work,
                conf,
                database_name,
                size,
                seed,
                anchor,
                passfile,
                progress,
                timeout,
                target,
                extra,
            )
        except BaseException:
            if created:
                _discard(target)
            raise
    summary["database"] = target.masked()
    summary["engine"] = target.engine
    if target.engine == "sqlite":
        _self_contained(Path(target.path))
        # A copy of an ERP's data (even a demo's people) is for ERPKeeper's user only.
        Path(target.path).chmod(0o600)
        summary["path"] = target.path
    summary["password_file"] = str(passfile) if password_file else None
    return summary


def _base_key() -> str:
    """Versions of trytond and of every installed trytond module, and the module list."""
    from importlib.metadata import distributions

    from erpkeeper.demo.builder import MODULES

    names = sorted(
        f"{d.metadata['Name']}={d.version}"
        for d in distributions()
        if (d.metadata["Name"] or "").lower().replace("_", "-").startswith(("trytond", "proteus"))
    )
    digest = hashlib.sha256(";".join(names + MODULES).encode()).hexdigest()
    return digest[:16]


def _discard(target: DatabaseUrl) -> None:
    """Remove what a failed build left, so that the next attempt does not find a half-built
    Tryton database (only databases this build created or found empty get here)."""
    try:
        if target.engine == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(target.path + suffix).unlink(missing_ok=True)
        else:
            import psycopg

            with psycopg.connect(_server_url(target), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    except Exception:  # noqa: S110 - best effort; the original error matters more
        pass


def _anchor_from_environment() -> dt.date | None:
    """ERPKEEPER_DEMO_ANCHOR=YYYY-MM-DD rebuilds the history of another day (reproducible
    demos, tests comparing two builds); by default the history ends today (UTC)."""
    value = os.environ.get("ERPKEEPER_DEMO_ANCHOR", "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise DemoInputError(
            _("ERPKEEPER_DEMO_ANCHOR must be a date like 2026-01-31, not %(value)s.")
            % {"value": value}
        ) from exc


def _parse(db_url: str) -> DatabaseUrl:
    try:
        target = parse(db_url)
    except DatabaseUrlError as exc:
        raise DemoInputError(str(exc)) from exc
    if target.engine not in {"sqlite", "postgresql"}:
        raise DemoInputError(
            _("The demo ERP runs on SQLite or PostgreSQL, not %(engine)s.")
            % {"engine": target.engine}
        )
    return target


# --- SQLite ------------------------------------------------------------------------------------
def _prepare_sqlite(target: DatabaseUrl, work: Path) -> tuple[str, Path]:
    path = Path(target.path)
    if path.suffix != ".sqlite":
        raise DemoInputError(
            _("Tryton names SQLite files <name>.sqlite: use a .sqlite path, not %(path)s.")
            % {"path": path}
        )
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise DemoBuildError(
                _("Cannot create the folder %(folder)s: %(error)s")
                % {"folder": path.parent, "error": exc.strerror}
            ) from exc
    if path.exists() and path.stat().st_size > 0:
        tables = _sqlite_tables(path)
        if "ir_module" in tables:
            raise DemoBuildError(
                _("%(path)s already holds a Tryton database; refusing to overwrite it.")
                % {"path": path}
            )
        if tables:
            raise DemoBuildError(
                _("%(path)s is not empty (%(count)s tables); refusing to overwrite it.")
                % {"path": path, "count": len(tables)}
            )
    path.touch()
    conf = work / "trytond.conf"
    _write_conf(conf, "sqlite://", extra=f"path = {path.parent}\n")
    return path.stem, conf


def _self_contained(path: Path) -> None:
    """Merge Tryton's write-ahead log into the file so that a plain copy holds everything
    (Tryton switches back to WAL when it opens the database)."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")


def _sqlite_tables(path: Path) -> list[str]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    except sqlite3.DatabaseError as exc:
        raise DemoBuildError(
            _("%(path)s exists and is not an SQLite database; refusing to overwrite it.")
            % {"path": path}
        ) from exc


# --- PostgreSQL --------------------------------------------------------------------------------
def _server_url(target: DatabaseUrl, database: str = "postgres") -> str:
    return DatabaseUrl(
        engine="postgresql",
        host=target.host or "localhost",
        port=target.port,
        user=target.user,
        password=target.password,
        database=database,
    ).unparse()


def _prepare_postgres(target: DatabaseUrl, work: Path) -> tuple[str, Path, bool]:
    import psycopg

    name = target.database
    if not name or name in {"postgres", "template0", "template1"}:
        raise DemoInputError(
            _(
                "Name the PostgreSQL database for the demo, e.g. postgresql://postgres@127.0.0.1:5432/demo_erp."
            )
        )
    try:
        with psycopg.connect(_server_url(target), autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
    except psycopg.OperationalError as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise DemoBuildError(
            _("Cannot reach PostgreSQL at %(server)s: %(detail)s")
            % {"server": target.masked(), "detail": detail}
        ) from exc
    if exists:
        with psycopg.connect(_server_url(target, name), autocommit=True, connect_timeout=5) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
                ).fetchall()
            ]
        if "ir_module" in tables:
            raise DemoBuildError(
                _("The database %(name)s already holds a Tryton database; refusing to overwrite.")
                % {"name": name}
            )
        if tables:
            raise DemoBuildError(
                _("The database %(name)s is not empty (%(count)s tables); refusing to overwrite.")
                % {"name": name, "count": len(tables)}
            )
    conf = work / "trytond.conf"
    _write_conf(conf, _server_url(target, "").rstrip("/") + "/")
    return name, conf, not exists


# --- common ------------------------------------------------------------------------------------
def _write_conf(conf: Path, uri: str, extra: str = "") -> None:
    conf.write_text(
        "[database]\n"
        f"uri = {uri}\n"
        f"{extra}"
        "language = en\n"
        "[cache]\n"
        "record = 20000\n"
        "[queue]\n"
        "worker = False\n"
        "[password]\n"
        "length = 10\n",
        encoding="utf-8",
    )
    conf.chmod(0o600)


def _write_password(passfile: Path) -> None:
    passfile.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(18) + "\n")
    passfile.chmod(0o600)


def _run_builder(
    work, conf, database_name, size, seed, anchor, passfile, progress, timeout, target, extra
):
    env = {
        **os.environ,
        "TRYTONPASSFILE": str(passfile),
        "TRYTOND_CONFIG": str(conf),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-O",
        "-m",
        "erpkeeper.demo.builder",
        "--config",
        str(conf),
        "--database",
        database_name,
        "--size",
        size,
        "--seed",
        str(seed),
        "--anchor",
        anchor.isoformat(),
        *extra,
    ]
    stderr_path = work / "builder.log"
    result = None
    error = None
    debug = bool(os.environ.get("ERPKEEPER_DEMO_DEBUG"))
    with open(stderr_path, "w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=None if debug else stderr,
            env=env,
            text=True,
            cwd=str(work),
            encoding="utf-8",
        )
        watchdog = None
        timed_out = threading.Event()
        if timeout:

            def expire():
                timed_out.set()
                process.kill()

            watchdog = threading.Timer(timeout, expire)
            watchdog.daemon = True
            watchdog.start()
        try:
            for line in process.stdout:
                message = protocol.parse(line.rstrip("\n"))
                if not message:
                    continue
                if message["event"] == "progress" and progress:
                    progress(message["done"], message["total"], message["message"])
                elif message["event"] == "result":
                    result = message["summary"]
                elif message["event"] == "error":
                    error = message["message"]
            process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            if watchdog:
                watchdog.cancel()
        stderr.seek(0)
        log_tail = stderr.read()[-4000:]
    if timed_out.is_set():
        error = _("no result after %(seconds)s s") % {"seconds": timeout}
    if process.returncode != 0 or result is None:
        if not error:
            lines = [line for line in log_tail.strip().splitlines() if line.strip()]
            error = lines[-1] if lines else f"exit code {process.returncode}"
        raise DemoBuildError(
            _("Building the demo ERP in %(database)s failed: %(error)s")
            % {"database": target.masked(), "error": error}
        )
    return result
