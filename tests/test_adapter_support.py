"""Helpers for the adapter tests: plain SQL on the same database, breaking data on purpose.

(Named test_adapter_* to stay within the adapter's files; it holds no tests.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

from erpkeeper.lib import dburl

DEV_SQLITE = Path("/tmp/ekad/db/erp.sqlite")
DEV_POSTGRES_TEMPLATE = "ekad_erp"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:") or not url.startswith("postgres")


def plain(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Plain SQL, independent of the adapter (read-only on SQLite too)."""
    if is_sqlite(url):
        path = dburl.parse(url).path
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            return conn.execute(sql.replace("%s", "?"), params).fetchall()
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def plain_scalar(url: str, sql: str, params: tuple = ()):
    rows = plain(url, sql, params)
    return rows[0][0] if rows else None


def plain_dt(value) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC)


def break_data(url: str, *statements: str) -> None:
    """Damage the ERP's data on purpose (foreign keys off on PostgreSQL, as a bad restore would)."""
    if is_sqlite(url):
        with contextlib.closing(sqlite3.connect(dburl.parse(url).path)) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        return
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            conn.execute(statement)


# ------------------------------------------------------------------ databases


def _shared_or_dev(request, shared: str, dev: str) -> str:
    """The shared demo fixture when it exists, else a local development copy."""
    try:
        return request.getfixturevalue(shared)
    except pytest.FixtureLookupError:
        return request.getfixturevalue(dev)


@pytest.fixture
def dev_tryton_sqlite_db(tmp_path) -> str:
    if not DEV_SQLITE.exists():
        pytest.skip("no Tryton demo database available yet")
    target = tmp_path / "demo.sqlite"
    shutil.copyfile(DEV_SQLITE, target)
    return f"sqlite:///{target}"


@pytest.fixture
def dev_tryton_postgres_db(postgres_server_url):
    name = "ek_adapter_" + uuid.uuid4().hex[:10]
    result = subprocess.run(
        ["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", DEV_POSTGRES_TEMPLATE, name],
        capture_output=True,
    )
    if result.returncode:
        pytest.skip("no Tryton demo database available yet on PostgreSQL")
    base = postgres_server_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_erp_url(request) -> str:
    return _shared_or_dev(request, "tryton_sqlite_db", "dev_tryton_sqlite_db")


@pytest.fixture
def postgres_erp_url(request) -> str:
    return _shared_or_dev(request, "tryton_postgres_db", "dev_tryton_postgres_db")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def erp_url(request) -> str:
    """A fresh copy of the demo ERP, once on SQLite and once on PostgreSQL."""
    name = "sqlite_erp_url" if request.param == "sqlite" else "postgres_erp_url"
    return request.getfixturevalue(name)
