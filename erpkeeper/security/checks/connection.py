"""Read-only connections for the security checks, every statement under a time limit.

The same approach as the performance advisor's connections (which this app may not import: the
two are domain apps of different layers): PostgreSQL ``statement_timeout`` and a read-only
session, MariaDB ``max_statement_time`` (MySQL ``max_execution_time``) and a read-only
transaction, SQLite opened ``mode=ro`` with a progress handler that stops a statement past its
deadline. Not the adapter's connection: its 120 s limit suits reading a whole ERP, a check must
weigh nothing on production, and the adapter has no MySQL.
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
SQLITE_PROGRESS_STEPS = 10_000


class ConnectionFailed(Exception):
    """The database could not be read: one line, the password masked."""


class BoundedConnection:
    """``rows``/``scalar`` with ``%s`` placeholders on SQLite, PostgreSQL and MariaDB/MySQL."""

    def __init__(self, url: str, *, timeout_ms: int = STATEMENT_TIMEOUT_MS):
        try:
            self.url = dburl.parse(url)
        except dburl.DatabaseUrlError as exc:
            raise ConnectionFailed(
                _("invalid database URL: %(reason)s") % {"reason": exc}
            ) from None
        self.engine = self.url.engine
        self.timeout_ms = timeout_ms
        self._deadline = 0.0
        opener = {
            "sqlite": self._open_sqlite,
            "postgresql": self._open_postgresql,
            "mysql": self._open_mysql,
        }.get(self.engine)
        if opener is None:
            raise ConnectionFailed(
                _("unsupported database engine %(engine)s") % {"engine": self.engine}
            )
        try:
            self._conn = opener()
        except ConnectionFailed:
            raise
        except Exception as exc:  # noqa: BLE001  (each driver has its own error classes)
            raise ConnectionFailed(self._message(exc)) from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        try:
            if self.engine == "sqlite":
                self._deadline = time.monotonic() + self.timeout_ms / 1000
                return self._conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
            with self._conn.cursor() as cursor:
                cursor.execute(sql, tuple(params) or None)
                return list(cursor.fetchall()) if cursor.description else []
        except Exception as exc:  # noqa: BLE001
            raise ConnectionFailed(self._message(exc)) from None

    def scalar(self, sql: str, params: Sequence = ()):
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail too
            self._conn.close()

    def _open_sqlite(self):
        path = self.url.path
        if not os.path.isfile(path):
            raise ConnectionFailed(_("SQLite file %(path)s does not exist") % {"path": path})
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=2.0)
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(self._past_deadline, SQLITE_PROGRESS_STEPS)
        return conn

    def _past_deadline(self) -> int:
        # Non-zero interrupts the running statement.
        return int(bool(self._deadline) and time.monotonic() > self._deadline)

    def _open_postgresql(self):
        url = self.url
        options = (
            f"-c statement_timeout={self.timeout_ms} -c lock_timeout=1000 "
            "-c default_transaction_read_only=on"
        )
        params = {
            "dbname": url.database,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "erpkeeper-security",
            "options": options,
        }
        params.update({k: v for k, v in (("host", url.host), ("port", url.port)) if v})
        params.update({k: v for k, v in (("user", url.user), ("password", url.password)) if v})
        params.update({k: v for k, v in parse_qsl(url.query) if k in PG_QUERY_KEYS})
        conn = psycopg.connect(autocommit=True, **params)
        conn.read_only = True
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
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
            # MariaDB names it max_statement_time (seconds), MySQL max_execution_time (ms).
            for statement in (
                f"SET SESSION max_statement_time = {self.timeout_ms / 1000:.3f}",
                f"SET SESSION max_execution_time = {int(self.timeout_ms)}",
            ):
                with contextlib.suppress(pymysql.MySQLError):
                    cursor.execute(statement)
                    break
        return conn

    def _message(self, exc: Exception) -> str:
        text = " ".join(str(exc).split())
        if self.url.password:
            text = text.replace(self.url.password, dburl.MASK)
        if self.engine == "sqlite":
            where = self.url.path
        else:
            where = f"{self.url.host or 'localhost'}:{self.url.port or ''}/{self.url.database}"
        return f"{self.engine} {where}: {text}"
