"""The Tryton adapter on SQLite: it opens the file read-only and never changes it."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest

from erpkeeper.lib import dburl
from erpkeeper.targets.adapters.base import DOCUMENT_KINDS, AdapterError
from erpkeeper.targets.adapters.sql import SqliteConnection
from erpkeeper.targets.adapters.tryton import TrytonAdapter
from tests.fixtures import adapters as support

# fixtures (pytest finds them as attributes of this module)
sqlite_erp_url = support.sqlite_erp_url


def fingerprint(path: str) -> tuple:
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    stat = os.stat(path)
    return digest, stat.st_mtime_ns, stat.st_size


def exercise(adapter: TrytonAdapter) -> None:
    """Call every method of the interface and drain every stream."""
    adapter.describe()
    adapter.counts()
    adapter.users()
    adapter.groups()
    adapter.roles()
    adapter.memberships()
    adapter.model_access()
    adapter.menu_access()
    adapter.button_access()
    adapter.models()
    adapter.menus()
    adapter.buttons()
    adapter.button_rules()
    adapter.record_rules()
    adapter.api_keys()
    adapter.field_access()
    list(adapter.logins())
    for kind in DOCUMENT_KINDS:
        list(adapter.documents(kind))
    list(adapter.events())
    adapter.invariants()


def test_no_method_changes_the_file(sqlite_erp_url):
    path = dburl.parse(sqlite_erp_url).path
    folder = os.path.dirname(path)
    files_before = set(os.listdir(folder))
    wal_before = os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0
    before = fingerprint(path)
    with TrytonAdapter(sqlite_erp_url) as adapter:
        exercise(adapter)
    assert fingerprint(path) == before
    # Tryton keeps SQLite in WAL mode: like any reader, SQLite may add the shared-memory index
    # and an empty write-ahead log next to the file, but nothing is ever written to them.
    name = os.path.basename(path)
    assert set(os.listdir(folder)) - files_before <= {name + "-wal", name + "-shm"}
    if os.path.exists(path + "-wal"):
        assert os.path.getsize(path + "-wal") == wal_before


def test_the_connection_refuses_writes(sqlite_erp_url):
    with TrytonAdapter(sqlite_erp_url) as adapter:
        connection = adapter.db
        assert isinstance(connection, SqliteConnection)
        with pytest.raises(sqlite3.OperationalError, match="readonly|read-only|query_only"):
            connection._conn.execute("UPDATE res_user SET name = 'hacked'")
        with pytest.raises(AdapterError):
            connection.execute("DELETE FROM sale_sale")
    assert "hacked" not in {
        name
        for (name,) in sqlite3.connect(dburl.parse(sqlite_erp_url).path).execute(
            "SELECT name FROM res_user"
        )
    }


def test_amounts_and_times_are_python_values_not_sqlite_text(sqlite_erp_url):
    with TrytonAdapter(sqlite_erp_url) as adapter:
        sale = next(d for d in adapter.documents("sale") if d.amount is not None)
        assert isinstance(sale.amount, Decimal)
        assert isinstance(sale.date, dt.date) and not isinstance(sale.date, dt.datetime)
        assert sale.created.tzinfo is dt.UTC
        raw = (
            sqlite3.connect(dburl.parse(sqlite_erp_url).path)
            .execute("SELECT total_amount_cache FROM sale_sale WHERE id = ?", (sale.id,))
            .fetchone()[0]
        )
        assert isinstance(raw, bytes | str | float)  # how SQLite keeps it
        assert str(sale.amount) == (raw.decode() if isinstance(raw, bytes) else str(raw))


def test_a_file_url_with_odd_characters_opens(sqlite_erp_url, tmp_path):
    odd = tmp_path / "my erp #1 ?.sqlite"
    shutil.copyfile(dburl.parse(sqlite_erp_url).path, odd)
    with TrytonAdapter("sqlite://" + urllib.parse.quote(str(odd))) as adapter:
        assert adapter.describe().database == odd.name


def test_the_adapter_never_imports_trytond(sqlite_erp_url):
    code = (
        "import sys\n"
        "from erpkeeper.targets.adapters import open_adapter\n"
        f"a = open_adapter('tryton', {sqlite_erp_url!r})\n"
        "a.describe(); a.invariants(); list(a.events())\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'trytond', 'proteus'})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def bare_tryton_url(tmp_path_factory) -> str:
    """A real Tryton database with only the base modules (ir, res): no sales, no roles."""
    admin = Path(sys.executable).with_name("trytond-admin")
    if not admin.exists():
        pytest.skip("trytond-admin is not installed")
    folder = tmp_path_factory.mktemp("bare")
    (folder / "bare.sqlite").touch()
    (folder / "trytond.conf").write_text(f"[database]\nuri = sqlite://\npath = {folder}\n")
    (folder / "pass").write_text("admin-password\n")
    env = {**os.environ, "TRYTONPASSFILE": str(folder / "pass")}
    subprocess.run(
        [str(admin), "-c", str(folder / "trytond.conf"), "-d", "bare", "--all",
         "--email", "admin@example.com"],
        check=True, capture_output=True, env=env, timeout=300,
    )  # fmt: skip
    return f"sqlite:///{folder / 'bare.sqlite'}"


@pytest.mark.slow
def test_missing_modules_give_zeros_and_skipped_checks(bare_tryton_url):
    with TrytonAdapter(bare_tryton_url) as adapter:
        description = adapter.describe()
        assert description.erp_version == "8.2"
        assert set(description.modules) == {"ir", "res"}
        counts = adapter.counts()
        assert counts["users"] == 1  # admin; root is not counted
        assert all(value == 0 for key, value in counts.items() if "users" not in key)
        assert adapter.roles() == []
        assert [u.login for u in adapter.users()] == ["admin"]
        assert all(m.via_role_id is None for m in adapter.memberships())
        assert adapter.model_access()
        for kind in DOCUMENT_KINDS:
            assert list(adapter.documents(kind)) == []
        assert {e.kind for e in adapter.events()} <= {"create", "write", "transition", "button"}
        results = adapter.invariants()
        assert results and all(r.passed and r.checked == 0 for r in results)
        assert all(r.skipped and "not installed" not in r.description for r in results)


def test_access_review_tables_that_are_missing_give_empty_lists(sqlite_erp_url):
    support.break_data(
        sqlite_erp_url,
        "DROP TABLE ir_model_button_rule",
        "DROP TABLE res_user_application",
        "DROP TABLE ir_rule",
        "DROP TABLE ir_rule_group",
        "DROP TABLE ir_model_field_access",
    )
    with TrytonAdapter(sqlite_erp_url) as adapter:
        assert adapter.button_rules() == []
        assert adapter.api_keys() == []
        assert adapter.record_rules() == []
        assert adapter.field_access() == []
        assert adapter.buttons()  # the rest still reads
