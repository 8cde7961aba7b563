"""Discovery on the other engines: a Tryton copy on PostgreSQL with personal data planted
through Tryton (read-only, under a statement timeout), and a plain MariaDB database of an ERP
ERPKeeper has no model of (kind ``database``: columns, no model or field)."""

from __future__ import annotations

import pymysql
import pytest

from erpkeeper.governance.privacy import services
from erpkeeper.lib import dburl
from erpkeeper.lib.bounded_db import ConnectionFailed
from erpkeeper.targets import services as targets
from erpkeeper.targets.adapters import open_adapter
from tests.fixtures.planted_pii import EXPECTED, plant_personal_data
from tests.governance.privacy_helpers import found_categories

PEOPLE = 6


@pytest.mark.django_db
def test_a_postgres_erp_is_scanned_read_only_and_the_planted_columns_are_found(
    tryton_postgres_db,
):
    plant_personal_data(tryton_postgres_db, PEOPLE)
    erp = targets.add_target(name="pg", database_url=tryton_postgres_db, verify=False)

    sampled = services.run_scan(erp)
    full = services.run_scan(erp, full=True)

    for scan in (sampled, full):
        assert scan.status == "succeeded", scan.error
        found = found_categories(scan)
        for column, categories in EXPECTED.items():
            assert categories <= found.get(column, set()), (scan.full, column)
    mobile = full.findings.get(table="party_contact_mechanism", column="value", category="mobile")
    assert mobile.matched == PEOPLE and mobile.model == "party.contact_mechanism"
    with open_adapter("tryton", tryton_postgres_db) as adapter, adapter.column_reader() as reader:
        assert reader.db.scalar("SHOW statement_timeout") == "30s"
        assert reader.db.scalar("SHOW default_transaction_read_only") == "on"
        with pytest.raises(ConnectionFailed):
            reader.db.rows("DELETE FROM party_contact_mechanism")
    with open_adapter("tryton", tryton_postgres_db) as adapter:
        assert adapter.counts()["parties"] > 2 * PEOPLE  # nothing was deleted


SCHEMA = (
    "CREATE TABLE customer (id INT AUTO_INCREMENT PRIMARY KEY, contact VARCHAR(60), "
    "mobile VARCHAR(30), email VARCHAR(120), id_card CHAR(18), note TEXT, amount DECIMAL(10,2))"
)
ROWS = [
    ("张伟", "13800138000", "zhang.wei@example.cn", "11010519491231002X", "老客户", 10),
    ("李娜", "+86 139 1234 5678", "li.na@example.cn", None, "地址 上海市浦东新区张江路88号", 20),
    ("王芳", "", "wang.fang@example.cn", None, None, 30),
]


@pytest.mark.django_db
def test_a_mariadb_database_without_an_erp_model_is_scanned_by_column(mariadb_database):
    url = dburl.parse(mariadb_database)
    with pymysql.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        password=url.password or "",
        database=url.database,
        autocommit=True,
        charset="utf8mb4",
    ) as conn:
        cursor = conn.cursor()
        cursor.execute(SCHEMA)
        cursor.executemany(
            "INSERT INTO customer (contact, mobile, email, id_card, note, amount) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            ROWS,
        )
    target = targets.add_target(
        name="maria", database_url=mariadb_database, kind="database", verify=False
    )

    scan = services.run_scan(target)

    assert scan.status == "succeeded", scan.error
    found = found_categories(scan)
    assert found[("customer", "mobile")] == {"mobile"}
    assert found[("customer", "email")] == {"email"}
    assert found[("customer", "id_card")] == {"resident_id"}
    assert found[("customer", "contact")] == {"person_name"}
    assert "address" in found[("customer", "note")]
    mobile = scan.findings.get(table="customer", column="mobile")
    assert (mobile.matched, mobile.sampled, mobile.non_empty) == (2, 2, 2)
    assert mobile.model == "" and mobile.hinted and mobile.confidence == "high"
    assert ("customer", "amount") not in found  # not a text column
