"""The "database" kind: a database with no ERP model that ERPKeeper knows (a MariaDB database of
an ERP that is not Tryton) describes itself from the catalogue, names tables by their comment,
reports nothing it cannot know, and fails with one line when the server cannot be reached."""

import sqlite3

import pytest

from erpkeeper.targets import services as targets
from erpkeeper.targets.adapters import kinds, open_adapter
from erpkeeper.targets.adapters.base import ServerUnreachable
from erpkeeper.targets.models import Target
from tests.fixtures.mariadb import build_sales


@pytest.mark.mariadb
def test_a_mariadb_database_describes_itself_and_names_tables_by_their_comment(mariadb_database):
    build_sales(mariadb_database, lines=1_000)
    with open_adapter("database", mariadb_database) as adapter:
        description = adapter.describe()
        assert description.db_engine == "mysql" and "MariaDB" in description.db_engine_version
        assert description.erp_kind == "database" and description.db_size_bytes > 0
        assert adapter.counts() == {"tables": 2}
        assert adapter.model_tables()["sale_line"] == ("sale_line", "Sales order lines")
        assert adapter.users() == [] and list(adapter.documents("sale")) == []


def test_a_sqlite_file_is_a_database_target_too(tmp_path, db):
    path = tmp_path / "reports.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE report (id INTEGER PRIMARY KEY)")
    target = targets.add_target(name="reports", kind="database", database_url=str(path))
    assert target.facts["db_engine"] == "sqlite"
    assert ("database", "Database only (no ERP model)") in [(k, str(v)) for k, v in kinds()]


def test_an_unreachable_server_is_one_line(db):
    adapter = open_adapter("database", "mysql://root@127.0.0.1:1/shop")
    with pytest.raises(ServerUnreachable, match="127.0.0.1:1/shop"):
        adapter.describe()
    adapter.close()


@pytest.mark.mariadb
def test_a_mariadb_database_is_added_in_the_console_and_shown(client, olga, mariadb_database):
    client.force_login(olga)
    response = client.post(
        "/targets/target/add/",
        {
            "name": "sales",
            "kind": "database",
            "environment": "production",
            "database_url": mariadb_database,
            "rpo_minutes": 60,
            "rto_minutes": 120,
            "verify": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target = Target.objects.get(name="sales")
    assert target.last_check_ok is True and target.facts["db_engine"] == "mysql"
    page = client.get(f"/targets/target/{target.pk}/change/").content.decode()
    assert "MariaDB" in page
    assert 'data-state="ok"' in client.get("/").content.decode()
