"""Read-only connections for the database collectors: short timeouts, messages without secrets.

Not ``targets.adapters.sql``: its 120 s statement timeout suits reading a whole ERP, not a
10-second collection loop; it has no MySQL; and its messages load Django, which the agent must
not. Connections stay open between collections and are reopened after a failure.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote

from erpkeeper.lib import dburl
from erpkeeper.monitoring.collectors.base import CollectorError, _, one_line

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 5_000
PG_QUERY_KEYS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "channel_binding"}


class ReadOnlyDb:
    """``rows``/``scalar`` with ``%s`` placeholders on SQLite, PostgreSQL and MariaDB/MySQL."""

    def __init__(self, url: str):
        try:
            self.url = dburl.parse(url)
        except dburl.DatabaseUrlError as exc:
            raise CollectorError(one_line(exc)) from None
        self.engine = self.url.engine
        self._conn = None

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        conn = self._connection()
        try:
            if self.engine == "sqlite":
                return conn.execute(sql.replace("%s", "?"), tuple(params)).fetchall()
            with conn.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return list(cursor.fetchall()) if cursor.description else []
        except Exception as exc:  # noqa: BLE001  (each driver has its own error classes)
            self.close()
            raise CollectorError(self._message(exc)) from None

    def scalar(self, sql: str, params: Sequence = ()):
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def has_table(self, table: str) -> bool:
        if self.engine == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s"
        elif self.engine == "postgresql":
            sql = "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s"
        else:
            sql = (
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_schema = DATABASE() AND table_name = %s"
            )
        return bool(self.rows(sql, (table,)))

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection may fail too
                self._conn.close()
            self._conn = None

    # ------------------------------------------------------------------ opening

    def _connection(self):
        if self._conn is None:
            try:
                self._conn = getattr(self, f"_open_{self.engine}")()
            except CollectorError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise CollectorError(self._message(exc)) from None
        return self._conn

    def _open_sqlite(self):
        import sqlite3  # here: an agent without SQLite targets saves its 1 MB

        path = self.url.path
        if not os.path.isfile(path):
            raise CollectorError(_("SQLite file %(path)s does not exist") % {"path": path})
        conn = sqlite3.connect(
            f"file:{quote(path)}?mode=ro", uri=True, timeout=2.0, check_same_thread=False
        )
        conn.execute("PRAGMA query_only = ON")
        return conn

    def _open_postgresql(self):
        import psycopg

        url = self.url
        params = {
            "dbname": url.database,
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "erpkeeper-monitoring",
            "options": f"-c default_transaction_read_only=on "
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=1000",
        }
        params.update({k: v for k, v in (("host", url.host), ("port", url.port)) if v})
        params.update({k: v for k, v in (("user", url.user), ("password", url.password)) if v})
        params.update({k: v for k, v in parse_qsl(url.query) if k in PG_QUERY_KEYS})
        conn = psycopg.connect(autocommit=True, **params)
        conn.read_only = True
        return conn

    def _open_mysql(self):
        pymysql = import_pymysql()
        url = self.url
        conn = pymysql.connect(
            host=url.host or "localhost",
            port=url.port or 3306,
            user=url.user or "root",
            password=url.password,
            database=url.database or None,
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=STATEMENT_TIMEOUT_MS // 1000,
            autocommit=True,
        )
        with conn.cursor() as cursor:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")
        return conn

    def _message(self, exc: Exception) -> str:
        text = one_line(exc)
        if self.url.password:
            text = text.replace(self.url.password, dburl.MASK)
        where = self.url.path if self.engine == "sqlite" else f"{self.url.host}/{self.url.database}"
        return f"{self.engine} {where}: {text}"


def import_pymysql():
    """pymysql, without loading ``cryptography`` until a server asks for an RSA password
    exchange (MySQL's sha256/caching_sha2 over plain TCP). PyMySQL imports it eagerly, and it
    is 12 of the agent's memory budget of 40 MB; MariaDB and TLS connections never need it."""
    import sys

    if "pymysql" in sys.modules or "cryptography" in sys.modules:
        import pymysql

        return pymysql
    sys.modules["cryptography"] = None  # makes PyMySQL's optional import fail
    try:
        import pymysql
        from pymysql import _auth
    finally:
        del sys.modules["cryptography"]
    eager = _auth.sha2_rsa_encrypt

    def sha2_rsa_encrypt(password, salt, public_key):
        from cryptography.hazmat.backends import default_backend
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        _auth.default_backend, _auth.hashes = default_backend, hashes
        _auth.serialization, _auth.padding = serialization, padding
        _auth._have_cryptography = True
        _auth.sha2_rsa_encrypt = eager
        return eager(password, salt, public_key)

    _auth.sha2_rsa_encrypt = sha2_rsa_encrypt
    return pymysql
