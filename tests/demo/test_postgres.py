"""The demo ERP on PostgreSQL: template copies, same business data as on SQLite."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from erpkeeper.demo import DemoBuildError, build_demo
from erpkeeper.demo.verify import business_fingerprint, check_invariants
from tests.fixtures.demo import READ_SALE

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_copy_holds_the_same_business_data_as_sqlite(tryton_postgres_db, tryton_sqlite_template):
    assert {k: v for k, v in check_invariants(tryton_postgres_db).items() if v} == {}
    assert business_fingerprint(tryton_postgres_db) == business_fingerprint(
        f"sqlite:///{tryton_sqlite_template}"
    )


def test_tryton_reads_a_sale_on_postgresql(tryton_postgres_db, tmp_path):
    server, name = tryton_postgres_db.rsplit("/", 1)
    conf = tmp_path / "trytond.conf"
    conf.write_text(f"[database]\nuri = {server}/\n")
    script = tmp_path / "read_sale.py"
    script.write_text(READ_SALE)
    result = subprocess.run(
        [sys.executable, str(script), name, str(conf)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["invoice"] == ["paid"] and out["shipment"] == ["done"]
    assert out["new_number"]


def test_refuses_to_overwrite_a_tryton_database_on_postgresql(tryton_postgres_db):
    with pytest.raises(DemoBuildError, match="already holds a Tryton database"):
        build_demo(tryton_postgres_db)
