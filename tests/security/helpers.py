"""Helpers of the security tests: set up access in a test's own copy of a Tryton database
(the product never writes to an ERP; tests may, to their copy), read snapshots, ask Tryton."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from erpkeeper.lib import dburl
from erpkeeper.security.document import build_document
from erpkeeper.security.evaluation import AccessModel
from erpkeeper.targets.adapters.tryton import TrytonAdapter

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "tryton_oracle.py"
SHIPPED = Path(__file__).resolve().parents[2] / "erpkeeper" / "security" / "rulesets"


def db_path(url: str) -> str:
    return dburl.parse(url).path


def write(url: str, *statements: tuple[str, tuple] | str) -> None:
    with contextlib.closing(sqlite3.connect(db_path(url))) as conn:
        for statement in statements:
            sql, params = statement if isinstance(statement, tuple) else (statement, ())
            conn.execute(sql, params)
        conn.commit()


def scalar(url: str, sql: str, params: tuple = ()):
    with contextlib.closing(sqlite3.connect(db_path(url))) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def user_id(url: str, login: str) -> int:
    return scalar(url, "SELECT id FROM res_user WHERE login = ?", (login,))


def group_id(url: str, name: str) -> int:
    return scalar(url, "SELECT id FROM res_group WHERE name = ?", (name,))


def add_to_group(url: str, login: str, group: str) -> None:
    write(
        url,
        (
            'INSERT INTO "res_user-res_group" ("user", "group", create_date, create_uid) '
            "VALUES (?, ?, '2026-01-01 00:00:00', 0)",
            (user_id(url, login), group_id(url, group)),
        ),
    )


def document_of(url: str) -> dict:
    with TrytonAdapter(url) as adapter:
        return build_document(adapter)


def access_of(url: str) -> AccessModel:
    return AccessModel(document_of(url))


def tryton_answers(url: str, models: list[str], buttons: list[str]) -> dict:
    """What trytond itself answers for every user (see tests/fixtures/tryton_oracle.py)."""
    done = subprocess.run(
        [sys.executable, str(ORACLE), db_path(url), *models, "--", *buttons],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def shipped_text() -> str:
    return (SHIPPED / "tryton.yaml").read_text(encoding="utf-8")
