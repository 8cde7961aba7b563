"""Backup, restore and drill of a real Tryton ERP on PostgreSQL, through the services."""

import psycopg
import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupStatus, DrillStatus

pytestmark = pytest.mark.django_db


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_postgres_backup_restores_into_a_new_database_with_the_same_rows(
    postgres_backup_target, postgres_server_url
):
    backup = services.run_backup(postgres_backup_target)
    assert backup.status == BackupStatus.SUCCEEDED
    database = backup.manifest["components"][0]
    assert database["engine"] == "postgresql"
    assert database["engine_version"].startswith("PostgreSQL")

    restore = services.restore_backup(backup)  # default: a new database next to the original
    restored_url = (
        postgres_server_url.rsplit("/", 1)[0] + "/" + (restore.destination_masked.rsplit("/", 1)[1])
    )
    try:
        for table in ("sale_sale", "account_move_line", "res_user"):
            assert _count(restored_url, table) == _count(postgres_backup_target.database_url, table)
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            name = restored_url.rsplit("/", 1)[1]
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgres_drill_passes_and_drops_its_scratch_database(
    postgres_backup_target, postgres_server_url
):
    services.run_backup(postgres_backup_target)

    drill = services.run_drill(postgres_backup_target)

    assert drill.status == DrillStatus.PASSED, drill.error
    with psycopg.connect(postgres_server_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"ekdrill_{drill.pk}_%",)
        ).fetchone()[0]
    assert left == 0
