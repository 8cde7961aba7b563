"""Read-only SQL connections to an ERP's database, shared by the adapters.

One small interface over SQLite (``sqlite3``, opened with ``mode=ro``) and PostgreSQL
(psycopg 3, session forced read-only), so that an adapter writes its SQL once:

- placeholders are written ``%s`` (converted to ``?`` for SQLite); LIKE patterns are always passed
  as parameters, so that SQL text never holds a literal ``%``;
- identifiers are quoted with double quotes (both engines);
- values come back raw; ``to_datetime``/``to_date``/``to_decimal``/``to_bool`` normalise them so
  that both engines give identical Python values (SQLite keeps timestamps as text, decimals as
  text blobs and booleans as 0/1);
- every failure to connect becomes an ``AdapterError`` subclass with a one-line, actionable
  message that never contains a password.

MySQL/MariaDB is not implemented here: no supported ERP kind runs on it yet.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import os
import re
import socket
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import parse_qsl, quote

import psycopg

from erpkeeper.lib import dburl
from erpkeeper.lib.i18n import gettext as _
from erpkeeper.targets.adapters.base import (
    AdapterError,
    AuthenticationFailed,
    DatabaseMissing,
    InvalidUrl,
    NotAnErpDatabase,
    ServerUnreachable,
    UnsupportedEngine,
)

CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 120_000  # a full event stream of a large ERP is one statement on PostgreSQL
LOCK_TIMEOUT_MS = 5_000
SQLITE_BUSY_TIMEOUT_S = 5.0
FETCH_SIZE = 500
# Amounts are summed on SQLite as integers of 1e-6 units: exact, unlike SQLite's float SUM.
SQLITE_DECIMAL_SCALE = 1_000_000


# ---------------------------------------------------------------- value normalisation


def to_datetime(value) -> dt.datetime | None:
    """A stored timestamp (naive UTC, as Tryton writes them) as an aware UTC datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    elif not isinstance(value, dt.datetime) and isinstance(value, dt.date):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def to_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        value = value.strip()
        return (
            dt.datetime.fromisoformat(value).date()
            if len(value) > 10
            else dt.date.fromisoformat(value)
        )
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def to_decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(value if isinstance(value, str) else int(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def to_bool(value) -> bool:
    """Booleans: PostgreSQL gives bool, SQLite 0/1; NULL counts as false (as in Tryton's SQL)."""
    if isinstance(value, bytes | str):
        return str(value.decode() if isinstance(value, bytes) else value).lower() in {
            "1",
            "t",
            "true",
        }
    return bool(value)


def since_param(since: dt.datetime | None) -> dt.datetime | None:
    """``since`` as the naive UTC datetime the ERP stores; a naive ``since`` is taken as UTC."""
    if since is None:
        return None
    if not isinstance(since, dt.datetime):
        since = dt.datetime(since.year, since.month, since.day)
    if since.tzinfo is not None:
        since = since.astimezone(dt.UTC).replace(tzinfo=None)
    return since


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------- connections


class ReadOnlyConnection(abc.ABC):
    """A read-only connection; subclasses for each engine."""

    engine = ""

    def __init__(self, database: str, location: str):
        self.database = database  # database name or file name, never a password
        self.location = location  # for messages: file path, or database and server
        self._columns: dict[str, frozenset[str]] | None = None

    # -- queries
    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence = ()) -> list[tuple]: ...

    @abc.abstractmethod
    def stream(self, sql: str, params: Sequence = (), size: int = FETCH_SIZE) -> Iterator[tuple]:
        """Rows one by one, fetched ``size`` at a time (never the whole result in memory)."""

    def one(self, sql: str, params: Sequence = ()) -> tuple | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence = ()):
        row = self.one(sql, params)
        return row[0] if row else None

    # -- schema
    @property
    def columns(self) -> dict[str, frozenset[str]]:
        """Every table of the database with its column names (read once)."""
        if self._columns is None:
            found: dict[str, set[str]] = {}
            for table, column in self._list_columns():
                found.setdefault(table, set()).add(column)
            self._columns = {table: frozenset(cols) for table, cols in found.items()}
        return self._columns

    def has_table(self, table: str) -> bool:
        return table in self.columns

    def has_column(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, ())

    @abc.abstractmethod
    def _list_columns(self) -> list[tuple[str, str]]: ...

    # -- engine specifics
    @abc.abstractmethod
    def engine_version(self) -> str: ...

    @abc.abstractmethod
    def size_bytes(self) -> int: ...

    @abc.abstractmethod
    def exact_sum(self, expression: str) -> str:
        """SQL for an exact SUM of a decimal column, comparable between two such sums."""

    @abc.abstractmethod
    def reference_id(self, expression: str, prefix: str) -> str:
        """SQL turning a reference ``'<prefix>N'`` into the integer N (NULL if not a number)."""

    def decimal_from_exact_sum(self, value) -> Decimal | None:
        return to_decimal(value)

    @abc.abstractmethod
    def close(self) -> None: ...


class SqliteConnection(ReadOnlyConnection):
    engine = "sqlite"

    def __init__(self, path: str):
        super().__init__(os.path.basename(path), _("SQLite file %(path)s") % {"path": path})
        self.path = path
        self._conn = _open_sqlite(path)

    def _convert(self, sql: str) -> str:
        return sql.replace("%s", "?")

    @staticmethod
    def _params(params: Sequence) -> tuple:
        """Parameters as Tryton stores them in SQLite (timestamps as text, compared as text)."""
        converted = []
        for value in params:
            if isinstance(value, dt.datetime):
                value = value.isoformat(" ")
            elif isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            converted.append(value)
        return tuple(converted)

    def execute(self, sql, params=()):
        try:
            return self._conn.execute(self._convert(sql), self._params(params)).fetchall()
        except sqlite3.Error as exc:
            raise _sqlite_query_error(exc, self.path) from exc

    def stream(self, sql, params=(), size=FETCH_SIZE):
        try:
            cursor = self._conn.execute(self._convert(sql), self._params(params))
        except sqlite3.Error as exc:
            raise _sqlite_query_error(exc, self.path) from exc
        try:
            while True:
                try:
                    rows = cursor.fetchmany(size)
                except sqlite3.Error as exc:
                    raise _sqlite_query_error(exc, self.path) from exc
                if not rows:
                    return
                yield from rows
        finally:
            cursor.close()

    def _list_columns(self):
        return self.execute(
            "SELECT m.name, p.name FROM sqlite_master AS m "
            "JOIN pragma_table_info(m.name) AS p WHERE m.type = 'table'"
        )

    def engine_version(self):
        return str(self.scalar("SELECT sqlite_version()"))

    def size_bytes(self):
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(OSError):
                total += os.path.getsize(self.path + suffix)
        return total

    def exact_sum(self, expression):
        return f"SUM(CAST(ROUND(CAST({expression} AS REAL) * {SQLITE_DECIMAL_SCALE}) AS INTEGER))"

    def decimal_from_exact_sum(self, value):
        if value is None:
            return None
        return Decimal(int(value)) / SQLITE_DECIMAL_SCALE

    def reference_id(self, expression, prefix):
        start = len(prefix) + 1
        digits = f"SUBSTR({expression}, {start})"
        return (
            f"CASE WHEN {digits} <> '' AND {digits} NOT GLOB '*[^0-9]*' "
            f"AND LENGTH({digits}) <= 18 THEN CAST({digits} AS INTEGER) END"
        )

    def close(self):
        self._conn.close()


class PostgresConnection(ReadOnlyConnection):
    engine = "postgresql"

    def __init__(self, url: dburl.DatabaseUrl):
        super().__init__(
            url.database,
            _("database '%(name)s' on %(where)s") % {"name": url.database, "where": _where(url)},
        )
        self.url = url
        self._conn = _open_postgres(url)

    @property
    def raw(self):
        """The psycopg connection (tests use it to prove that writes are refused)."""
        return self._conn

    def execute(self, sql, params=()):
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, tuple(params))
                return cursor.fetchall() if cursor.description else []
        except Exception as exc:
            raise _postgres_query_error(exc, self.url) from exc

    def stream(self, sql, params=(), size=FETCH_SIZE):
        # A WITH HOLD server-side cursor works in autocommit and lets several streams of the
        # same adapter interleave; the server keeps the result, the client holds ``size`` rows.
        cursor = self._conn.cursor(name=f"ek_{uuid.uuid4().hex[:12]}", withhold=True)
        try:
            try:
                cursor.execute(sql, tuple(params))
            except Exception as exc:
                raise _postgres_query_error(exc, self.url) from exc
            while True:
                try:
                    rows = cursor.fetchmany(size)
                except Exception as exc:
                    raise _postgres_query_error(exc, self.url) from exc
                if not rows:
                    return
                yield from rows
        finally:
            with contextlib.suppress(Exception):  # the connection may be gone already
                cursor.close()

    def _list_columns(self):
        return self.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )

    def engine_version(self):
        version = str(self.scalar("SELECT current_setting('server_version')"))
        return version.split(" ", 1)[0]

    def size_bytes(self):
        return int(self.scalar("SELECT pg_database_size(current_database())") or 0)

    def exact_sum(self, expression):
        return f"SUM({expression})"

    def reference_id(self, expression, prefix):
        start = len(prefix) + 1
        digits = f"SUBSTR({expression}, {start})"
        return f"CASE WHEN {digits} ~ '^[0-9]{{1,18}}$' THEN CAST({digits} AS BIGINT) END"

    def close(self):
        with contextlib.suppress(Exception):
            self._conn.close()


def connect(database_url: str, engines: Sequence[str], erp_label: str) -> ReadOnlyConnection:
    """Open ``database_url`` read-only; ``engines`` are those the ERP kind can run on."""
    try:
        url = dburl.parse(database_url)
    except dburl.DatabaseUrlError as exc:
        raise InvalidUrl(_("invalid database URL: %(reason)s") % {"reason": exc}) from None
    if url.engine not in engines:
        raise UnsupportedEngine(
            _("%(erp)s does not run on %(engine)s: use a %(schemes)s URL")
            % {
                "erp": erp_label,
                "engine": url.engine,
                "schemes": " / ".join(f"{e}://" for e in engines),
            }
        )
    if url.engine == "sqlite":
        return SqliteConnection(url.path)
    return PostgresConnection(url)


# ---------------------------------------------------------------- SQLite


def _open_sqlite(path: str) -> sqlite3.Connection:
    file = Path(path)
    if not file.exists():
        raise DatabaseMissing(
            _("SQLite file %(path)s does not exist (check the path)") % {"path": path}
        )
    if file.is_dir():
        raise NotAnErpDatabase(
            _("%(path)s is a directory, not a SQLite database file") % {"path": path}
        )
    if not os.access(path, os.R_OK):
        raise AuthenticationFailed(
            _("ERPKeeper may not read %(path)s: permission denied (grant it read access)")
            % {"path": path}
        )
    try:
        conn = sqlite3.connect(
            f"file:{quote(path)}?mode=ro",
            uri=True,
            timeout=SQLITE_BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
        conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise _sqlite_query_error(exc, path) from exc
    return conn


def _sqlite_query_error(exc: sqlite3.Error, path: str) -> AdapterError:
    text = str(exc)
    lowered = text.lower()
    if "not a database" in lowered or "malformed" in lowered or "encrypted" in lowered:
        return NotAnErpDatabase(
            _("%(path)s is not a SQLite database (%(error)s)") % {"path": path, "error": text}
        )
    if "locked" in lowered or "busy" in lowered:
        return AdapterError(
            _("SQLite file %(path)s stayed locked by a writer; try again") % {"path": path}
        )
    if "unable to open" in lowered:
        return DatabaseMissing(
            _("cannot open SQLite file %(path)s (%(error)s)") % {"path": path, "error": text}
        )
    return AdapterError(
        _("SQLite query on %(path)s failed: %(error)s") % {"path": path, "error": text}
    )


# ---------------------------------------------------------------- PostgreSQL

_LIBPQ_QUERY_KEYS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslpassword",
    "target_session_attrs",
    "gssencmode",
    "channel_binding",
}


def _where(url: dburl.DatabaseUrl) -> str:
    host = url.host or _("local socket")
    return _("PostgreSQL at %(host)s:%(port)s") % {"host": host, "port": url.port or 5432}


def _open_postgres(url: dburl.DatabaseUrl):
    options = " ".join(
        [
            "-c default_transaction_read_only=on",
            f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
            f"-c lock_timeout={LOCK_TIMEOUT_MS}",
            f"-c idle_in_transaction_session_timeout={STATEMENT_TIMEOUT_MS}",
        ]
    )
    params = {
        "dbname": url.database,
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "erpkeeper",
        "options": options,
    }
    if url.host:
        params["host"] = url.host
    if url.port:
        params["port"] = url.port
    if url.user:
        params["user"] = url.user
    if url.password:
        params["password"] = url.password
    for key, value in parse_qsl(url.query):
        if key not in _LIBPQ_QUERY_KEYS:
            raise InvalidUrl(
                _("unsupported option '%(key)s' in the database URL (allowed: %(allowed)s)")
                % {"key": key, "allowed": ", ".join(sorted(_LIBPQ_QUERY_KEYS))}
            )
        params[key] = value
    try:
        conn = psycopg.connect(autocommit=True, **params)
    except psycopg.Error as exc:
        raise _postgres_connect_error(exc, url) from None
    conn.read_only = True  # also for any explicit transaction
    return conn


def _first_line(exc: Exception, url: dburl.DatabaseUrl) -> str:
    text = " ".join(str(exc).split())
    if url.password:
        text = text.replace(url.password, dburl.MASK)
    return text


def _postgres_connect_error(exc: Exception, url: dburl.DatabaseUrl) -> AdapterError:
    text = _first_line(exc, url)
    lowered = text.lower()
    where = _where(url)
    user = url.user or _("(default user)")
    names = {"where": where, "user": user, "error": text}
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return AuthenticationFailed(
            _("%(where)s rejected the password of user '%(user)s': check the user and password")
            % names
        )
    if re.search(r'role ".*" does not exist', lowered):
        return AuthenticationFailed(
            _("%(where)s has no user '%(user)s': check the user in the URL") % names
        )
    if "not permitted to log in" in lowered:
        return AuthenticationFailed(
            _("%(where)s does not let user '%(user)s' log in (role without LOGIN)") % names
        )
    if "pg_hba.conf" in lowered:
        return AuthenticationFailed(
            _("%(where)s refuses connections of user '%(user)s' from this host (pg_hba.conf)")
            % names
        )
    if "authentication failed" in lowered or "permission denied for database" in lowered:
        return AuthenticationFailed(_("%(where)s refused user '%(user)s': %(error)s") % names)
    if re.search(r'database ".*" does not exist', lowered):
        return DatabaseMissing(
            _("database '%(name)s' does not exist on %(where)s (check the name, or restore it)")
            % {"name": url.database, "where": where}
        )
    if "failed to resolve host" in lowered or "could not translate host name" in lowered:
        return ServerUnreachable(
            _("cannot resolve host '%(host)s': check the host name") % {"host": url.host}
        )
    if "connection refused" in lowered:
        return ServerUnreachable(
            _("cannot reach %(where)s: connection refused (is the server running and listening?)")
            % names
        )
    if "timeout" in lowered or "timed out" in lowered:
        return _postgres_timeout_error(url, where)
    if "ssl negotiation" in lowered or "invalid response" in lowered:
        return ServerUnreachable(_("%(where)s answered, but it is not a PostgreSQL server") % names)
    if "network is unreachable" in lowered or "no route to host" in lowered:
        return ServerUnreachable(_("cannot reach %(where)s: %(error)s") % names)
    return AdapterError(_("cannot connect to %(where)s: %(error)s") % names)


def _postgres_timeout_error(url: dburl.DatabaseUrl, where: str) -> ServerUnreachable:
    """libpq says "timeout expired" both when the TCP connection is never accepted (host down,
    packets dropped) and when it is accepted but nothing answers (an overloaded server, or a
    silent service on that port); a plain TCP connect tells which, so the message is true."""
    names = {"where": where, "seconds": CONNECT_TIMEOUT_S}
    host = url.host or ""
    if not host or host.startswith("/"):  # a Unix socket: no TCP to probe
        return ServerUnreachable(_("%(where)s did not answer within %(seconds)s s") % names)
    if _tcp_accepts(host, url.port or 5432):
        return ServerUnreachable(
            _(
                "%(where)s accepted the connection but sent no answer within %(seconds)s s "
                "(the server is overloaded, or what listens there is not PostgreSQL)"
            )
            % names
        )
    return ServerUnreachable(
        _(
            "cannot reach %(where)s: the connection was not accepted within %(seconds)s s "
            "(the host is down, or a firewall drops the packets)"
        )
        % names
    )


def _tcp_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def _postgres_query_error(exc: Exception, url: dburl.DatabaseUrl) -> AdapterError:
    if isinstance(exc, AdapterError):
        return exc
    text = _first_line(exc, url)
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return AdapterError(
            f"a query on {_where(url)} took longer than {STATEMENT_TIMEOUT_MS // 1000} s: {text}"
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return AuthenticationFailed(
            f"user {url.user or '(default user)'!r} may not read the ERP tables: {text}"
        )
    if isinstance(exc, psycopg.OperationalError):
        return ServerUnreachable(f"lost the connection to {_where(url)}: {text}")
    return AdapterError(f"query on {_where(url)} failed: {text}")
