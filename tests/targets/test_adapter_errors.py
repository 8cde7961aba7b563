"""Every way of failing to reach a Tryton database gives the precise AdapterError, for real.

No mock: the failures come from a real PostgreSQL server (a port nobody listens on, a missing
role, a role without LOGIN, a missing database, a database that is not Tryton), from a private
PostgreSQL cluster with password authentication (the shared server trusts 127.0.0.1), and
from real files.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid

import psycopg
import pytest

from erpkeeper.targets.adapters import get_adapter_class, kinds, open_adapter
from erpkeeper.targets.adapters.base import (
    AdapterError,
    AuthenticationFailed,
    DatabaseMissing,
    InvalidUrl,
    NotAnErpDatabase,
    ServerUnreachable,
    UnsupportedEngine,
)
from erpkeeper.targets.adapters.tryton import TrytonAdapter

SECRET = "Sup3r-S3cret-pw"


def fail(url: str) -> AdapterError:
    """Open the URL as Tryton and return the error the first call raises."""
    with pytest.raises(AdapterError) as caught, TrytonAdapter(url) as adapter:
        adapter.describe()
    message = str(caught.value)
    assert "\n" not in message
    assert SECRET not in message
    return caught.value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_is_registered_as_tryton():
    assert get_adapter_class("tryton") is TrytonAdapter
    assert ("tryton", "Tryton") in kinds()
    assert isinstance(open_adapter("tryton", "sqlite:////nonexistent.sqlite"), TrytonAdapter)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://example.com/db",
        f"postgresql://postgres:{SECRET}@127.0.0.1:notaport/db",
        f"postgresql://postgres:{SECRET}@127.0.0.1:5432",
        "sqlite://",
        "just some words",
    ],
)
def test_a_malformed_url_is_invalid(url):
    error = fail(url)
    assert isinstance(error, InvalidUrl), error
    assert error.code == "invalid_url"


def test_an_unknown_libpq_option_is_invalid():
    error = fail(f"postgresql://postgres:{SECRET}@127.0.0.1:5432/x?host=evil&sslmode=disable")
    assert isinstance(error, InvalidUrl)
    assert "'host'" in str(error)


def test_mysql_is_not_an_engine_tryton_runs_on():
    error = fail(f"mysql://root:{SECRET}@127.0.0.1:3306/erp")
    assert isinstance(error, UnsupportedEngine)
    assert "Tryton does not run on mysql" in str(error)


def test_nothing_listening_is_unreachable():
    port = free_port()
    error = fail(f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/erp")
    assert isinstance(error, ServerUnreachable)
    assert f"127.0.0.1:{port}" in str(error)
    assert "connection refused" in str(error)


def test_an_unknown_host_is_unreachable():
    error = fail(f"postgresql://postgres:{SECRET}@no-such-host.invalid:5432/erp")
    assert isinstance(error, ServerUnreachable)
    assert "no-such-host.invalid" in str(error)


def test_a_server_that_is_not_postgresql_is_unreachable():
    """Something answers on the port, but it speaks another protocol (here: plain TCP close)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    import threading

    def answer():
        with contextlib.suppress(OSError):
            conn, _ = server.accept()
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        error = fail(f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/erp")
    finally:
        server.close()
    assert isinstance(error, ServerUnreachable), error


# ------------------------------------------------------------------ SQLite files


def test_a_missing_sqlite_file_is_missing_and_not_created(tmp_path):
    path = tmp_path / "nope.sqlite"
    error = fail(f"sqlite:///{path}")
    assert isinstance(error, DatabaseMissing)
    assert str(path) in str(error)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_sqlite_file_is_not_tryton(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()
    error = fail(f"sqlite:///{path}")
    assert isinstance(error, NotAnErpDatabase)
    assert "empty" in str(error)
    assert path.stat().st_size == 0


def test_a_sqlite_file_with_other_tables_is_not_tryton(tmp_path):
    path = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
    error = fail(f"sqlite:///{path}")
    assert isinstance(error, NotAnErpDatabase)
    assert "not a Tryton database" in str(error)
    assert "ir_module" in str(error)


def test_a_file_that_is_not_sqlite_is_not_an_erp_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 100)
    error = fail(f"sqlite:///{path}")
    assert isinstance(error, NotAnErpDatabase)
    assert "is not a SQLite database" in str(error)


def test_a_directory_is_not_an_erp_database(tmp_path):
    error = fail(f"sqlite:///{tmp_path}")
    assert isinstance(error, NotAnErpDatabase)
    assert "directory" in str(error)


def test_a_bare_path_is_accepted_as_sqlite(tmp_path):
    error = fail(str(tmp_path / "missing.sqlite"))
    assert isinstance(error, DatabaseMissing)


# ------------------------------------------------------------------ PostgreSQL server


def _server(url: str) -> str:
    """``postgresql://user@host:port`` part of an admin URL."""
    return url.rsplit("/", 1)[0]


@pytest.mark.postgres
def test_a_role_that_does_not_exist_fails_authentication(postgres_server_url):
    server = _server(postgres_server_url).replace(
        "postgres@", f"nobody_{uuid.uuid4().hex[:6]}:{SECRET}@"
    )
    error = fail(f"{server}/postgres")
    assert isinstance(error, AuthenticationFailed)
    assert "nobody_" in str(error)


@pytest.mark.postgres
def test_a_role_without_login_fails_authentication(postgres_server_url):
    role = f"ek_nologin_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN PASSWORD '{SECRET}'")
    try:
        server = _server(postgres_server_url).replace("postgres@", f"{role}:{SECRET}@")
        error = fail(f"{server}/postgres")
        assert isinstance(error, AuthenticationFailed)
        assert "LOGIN" in str(error)
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {role}")


@pytest.mark.postgres
def test_a_missing_database_is_missing(postgres_server_url):
    name = f"ek_missing_{uuid.uuid4().hex[:8]}"
    error = fail(f"{_server(postgres_server_url)}/{name}")
    assert isinstance(error, DatabaseMissing)
    assert name in str(error)


@pytest.mark.postgres
def test_an_empty_postgres_database_is_not_tryton(postgres_database):
    error = fail(postgres_database)
    assert isinstance(error, NotAnErpDatabase)
    assert "empty" in str(error)


@pytest.mark.postgres
def test_a_postgres_database_with_other_tables_is_not_tryton(postgres_database):
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute("CREATE TABLE res_user (id integer, login text)")
        conn.execute("CREATE TABLE invoices (id integer)")
    error = fail(postgres_database)
    assert isinstance(error, NotAnErpDatabase)
    assert "ir_module" in str(error)


@pytest.mark.postgres
def test_an_uninitialised_tryton_schema_is_not_tryton(postgres_database):
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        for table in ("ir_module", "ir_model", "ir_configuration", "res_user", "res_group"):
            conn.execute(f"CREATE TABLE {table} (id integer, name text, state text)")
    error = fail(postgres_database)
    assert isinstance(error, NotAnErpDatabase)
    assert "never initialised" in str(error)


# ------------------------------------------------------------------ password authentication


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb")) or [shutil.which("initdb")]
    return found[-1] if found and found[-1] else None


@pytest.fixture(scope="module")
def password_server():
    """A private PostgreSQL cluster that demands scram passwords; yields (port, password)."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip("initdb not installed: cannot start a password-protected PostgreSQL")
    bindir = os.path.dirname(initdb)
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = tempfile.mkdtemp(prefix="ek-pgpw-")
    data, sockets, pwfile = f"{base}/data", f"{base}/sock", f"{base}/pw"
    os.mkdir(sockets)
    with open(pwfile, "w") as handle:
        handle.write(SECRET + "\n")
    if as_root:
        shutil.chown(base, "postgres")
        for path in (sockets, pwfile):
            shutil.chown(path, "postgres")
    port = free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", data, "-U", "postgres", "--auth=scram-sha-256",
             f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l", f"{base}/log",
             "-o", f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
             "start"],
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL cluster: {exc}")
    try:
        yield port
    finally:
        subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        time.sleep(0.2)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_a_wrong_password_fails_authentication(password_server):
    error = fail(f"postgresql://postgres:wrong-{SECRET}@127.0.0.1:{password_server}/postgres")
    assert isinstance(error, AuthenticationFailed)
    assert "password" in str(error)
    assert "wrong-" not in str(error)


@pytest.mark.postgres
def test_a_missing_password_fails_authentication(password_server):
    env_password = os.environ.pop("PGPASSWORD", None)
    try:
        error = fail(f"postgresql://postgres@127.0.0.1:{password_server}/postgres")
    finally:
        if env_password is not None:
            os.environ["PGPASSWORD"] = env_password
    assert isinstance(error, AuthenticationFailed)


@pytest.mark.postgres
def test_the_right_password_reaches_the_server(password_server):
    """Control: with the right password the failure moves on to the next layer (no Tryton)."""
    error = fail(f"postgresql://postgres:{SECRET}@127.0.0.1:{password_server}/postgres")
    assert isinstance(error, NotAnErpDatabase)
    assert "postgres" in str(error)
