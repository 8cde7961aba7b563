"""Backup, restore and drill of a real Tryton ERP on PostgreSQL, through the services."""

import uuid

import psycopg
import pytest
from django.urls import reverse

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupStatus, Restore
from erpkeeper.core.runs import RunStatus

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

    assert drill.status == RunStatus.SUCCEEDED, drill.error
    with psycopg.connect(postgres_server_url) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE %s", (f"ekdrill_{drill.pk}_%",)
        ).fetchone()[0]
    assert left == 0


@pytest.fixture
def role_gone_after_backup(postgres_backup_target, postgres_server_url):
    """A table owned by a role of its own, backed up; then the table and the role are dropped,
    so the role no longer exists where the backup is restored."""
    role = "ek_gone_" + uuid.uuid4().hex[:8]
    url = postgres_backup_target.database_url
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE erp_notes (id int)")
        conn.execute(f"ALTER TABLE erp_notes OWNER TO {role}")
    backup = services.run_backup(postgres_backup_target)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE erp_notes")
    with psycopg.connect(postgres_server_url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE {role}")
    return backup, role


def test_what_a_restore_had_to_adapt_is_kept_on_its_row_and_shown(
    role_gone_after_backup, postgres_server_url, api_client_for, console_client_for, dave
):
    backup, role = role_gone_after_backup

    restore = services.restore_backup(backup)
    restored = (
        postgres_server_url.rsplit("/", 1)[0] + "/" + restore.destination_masked.rsplit("/")[-1]
    )
    try:
        stored = Restore.objects.get(pk=restore.pk)
        assert stored.status == "succeeded"
        assert any(role in warning for warning in stored.warnings), stored.warnings
        api = api_client_for(dave).get(f"/api/v1/restores/{restore.pk}/").json()
        assert api["warnings"] == stored.warnings
        page = console_client_for(dave).get(
            reverse("admin:backups_restore_change", args=[restore.pk])
        )
        assert role in page.content.decode()
    finally:
        with psycopg.connect(postgres_server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored.rsplit("/", 1)[1]}" WITH (FORCE)')
