"""Helpers for the adapter tests: plain SQL on the same database, breaking data on purpose.

(Named test_adapter_* to stay within the adapter's files; it holds no tests.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3

import psycopg
import pytest

from erpkeeper.lib import dburl


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


@pytest.fixture
def sqlite_erp_url(tryton_sqlite_db) -> str:
    return tryton_sqlite_db


@pytest.fixture
def postgres_erp_url(tryton_postgres_db) -> str:
    return tryton_postgres_db


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def erp_url(request) -> str:
    """A fresh copy of the demo ERP (tests/fixtures/tryton.py), on SQLite and on PostgreSQL."""
    name = "tryton_sqlite_db" if request.param == "sqlite" else "tryton_postgres_db"
    return request.getfixturevalue(name)
