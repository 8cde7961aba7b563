"""Connections that weigh little on a production database: every statement under a time limit,
read-only on a target. The performance advisor and the security checks use them.

Not ``targets.adapters.sql``: the adapter's 120 s statement timeout suits reading a whole ERP,
a check must weigh nothing on production; the adapter has no MySQL; and the performance proof
needs a writable connection to its own scratch copy. The limits: PostgreSQL
``statement_timeout``, MariaDB ``max_statement_time`` (MySQL ``max_execution_time``), SQLite a
progress handler that interrupts a statement past its deadline. The ERP's meaning (tables ->
models) still comes through the adapter.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote

import psycopg
import pymysql

from erpkeeper.lib import dburl
from erpkeeper.lib.i18n import gettext as _

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 5_000
PG_QUERY_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "channel_binding"}
# SQLite calls the handler every this many virtual machine instructions.
SQLITE_PROGRESS_STEPS = 10_000


class ConnectionFailed(Exception):
    """A database could not be read (unreachable, refused, no such file): one line, no secret."""


class StatementTimeout(ConnectionFailed):
    """A statement ran past its time limit and was stopped by the database."""


class BoundedConnection:
    """``rows``/``scalar`` with ``%s`` placeholders on SQLite, PostgreSQL and MariaDB/MySQL.

    ``writable`` is only for the proof's scratch copy; a target is always opened read-only."""

    def __init__(self, url: str, *, timeout_ms: int = STATEMENT_TIMEOUT_MS, writable=False):
        try:
            self.url = dburl.parse(url)
        except dburl.DatabaseUrlError as exc:
            raise ConnectionFailed(
                _("invalid database URL: %(reason)s") % {"reason": exc}
            ) from None
        self.engine = self.url.engine
        self.timeout_ms = timeout_ms
        self.writable = writable
        self._deadline = 0.0
        try:
            self._conn = getattr(self, f"_open_{self.engine}")()
        except ConnectionFailed:
            raise
        except Exception as exc:  # noqa: BLE001  (each driver has its own error classes)
            raise ConnectionFailed(self._message(exc)) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ queries

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        try:
            if self.engine == "sqlite":
                self._deadline = time.monotonic() + self.timeout_ms / 1000
                cursor = self._conn.execute(sql.replace("%s", "?"), tuple(params))
                return cursor.fetchall()
            with self._conn.cursor() as cursor:
                cursor.execute(sql, tuple(params) or None)
                return list(cursor.fetchall()) if cursor.description else []
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc) from None

    def scalar(self, sql: str, params: Sequence = ()):
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def dicts(self, sql: str, params: Sequence = ()) -> list[dict]:
        if self.engine == "sqlite":
            cursor = self._conn.execute(sql.replace("%s", "?"), tuple(params))
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, tuple(params) or None)
                names = [d[0] for d in cursor.description or ()]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc) from None

    def timed(self, sql: str) -> float:
        """Milliseconds to run ``sql`` and fetch every row."""
        started = time.perf_counter()
        self.rows(sql)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            self._conn.close()

    # ------------------------------------------------------------------ opening

    def _open_sqlite(self):
        path = self.url.path
        if not os.path.isfile(path):
            raise ConnectionFailed(_("SQLite file %(path)s does not exist") % {"path": path})
        mode = "rw" if self.writable else "ro"
        conn = sqlite3.connect(
            f"file:{quote(path)}?mode={mode}", uri=True, timeout=2.0, check_same_thread=False
        )
        if not self.writable:
            conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(self._past_deadline, SQLITE_PROGRESS_STEPS)
        return conn

    def _past_deadline(self) -> int:
        # Non-zero interrupts the running statement ("interrupted"), reported as a timeout.
        return int(bool(self._deadline) and time.monotonic() > self._deadline)

    def _open_postgresql(self):
        url = self.url
        options = [f"-c statement_timeout={self.timeout_ms}", "-c lock_timeout=1000"]
        if not self.writable:
            options.append("-c default_transaction_read_only=on")
        params = {
            "dbname": url.database,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "erpkeeper-performance",
            "options": " ".join(options),
        }
        params.update({k: v for k, v in (("host", url.host), ("port", url.port)) if v})
        params.update({k: v for k, v in (("user", url.user), ("password", url.password)) if v})
        params.update({k: v for k, v in parse_qsl(url.query) if k in PG_QUERY_KEYS})
        conn = psycopg.connect(autocommit=True, **params)
        conn.read_only = not self.writable
        return conn

    def _open_mysql(self):
        url = self.url
        conn = pymysql.connect(
            host=url.host or "localhost",
            port=url.port or 3306,
            user=url.user or "root",
            password=url.password,
            database=url.database or None,
            connect_timeout=CONNECT_TIMEOUT_S,
            autocommit=True,
        )
        with conn.cursor() as cursor:
            if not self.writable:
                cursor.execute("SET SESSION TRANSACTION READ ONLY")
            self._limit_mysql(cursor)
        return conn

    def _limit_mysql(self, cursor) -> None:
        # MariaDB names it max_statement_time (seconds), MySQL max_execution_time (ms, SELECT).
        for statement in (
            f"SET SESSION max_statement_time = {self.timeout_ms / 1000:.3f}",
            f"SET SESSION max_execution_time = {int(self.timeout_ms)}",
        ):
            with contextlib.suppress(pymysql.MySQLError):
                cursor.execute(statement)
                return

    # ------------------------------------------------------------------ errors

    def _error(self, exc: Exception) -> ConnectionFailed:
        text = str(exc).lower()
        timed_out = (
            isinstance(exc, psycopg.errors.QueryCanceled)
            or "interrupted" in text
            or "max_statement_time" in text
            or "maximum statement execution time" in text
        )
        if timed_out:
            return StatementTimeout(
                _("stopped after %(ms)d ms (the limit per query)") % {"ms": self.timeout_ms}
            )
        return ConnectionFailed(self._message(exc))

    def _message(self, exc: Exception) -> str:
        text = " ".join(str(exc).split())
        if self.url.password:
            text = text.replace(self.url.password, dburl.MASK)
        if self.engine == "sqlite":
            where = self.url.path
        else:
            where = f"{self.url.host or 'localhost'}:{self.url.port or ''}/{self.url.database}"
        return f"{self.engine} {where}: {text}"
