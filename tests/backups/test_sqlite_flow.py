"""Backup, verify, restore and drill of a real Tryton ERP on SQLite, through the services."""

import sqlite3

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupStatus
from erpkeeper.core.models import OutboxMessage
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib import dburl

pytestmark = pytest.mark.django_db


def _rows(url: str, table: str) -> int:
    with sqlite3.connect(dburl.parse(url).path) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_backup_succeeds_with_encrypted_artifacts_and_a_manifest(sqlite_backup_target):
    backup = services.run_backup(sqlite_backup_target)

    assert backup.status == BackupStatus.SUCCEEDED
    assert backup.encrypted and len(backup.key_fingerprint) == 64
    database = backup.manifest["components"][0]
    assert database["engine"] == "sqlite"
    assert database["row_counts"]["sale_sale"] == _rows(
        sqlite_backup_target.database_url, "sale_sale"
    )
    stored = backup.destination.path + "/" + backup.location
    assert sqlite_backup_target.database_url and backup.stored_bytes > 0
    artifact = database["artifacts"][0]
    with open(f"{stored}/{artifact['path']}", "rb") as handle:
        head = handle.read(1 << 20)
    assert b"SQLite format 3" not in head  # encrypted at rest


def test_restore_into_a_new_database_gives_the_same_rows(sqlite_backup_target, tmp_path):
    backup = services.run_backup(sqlite_backup_target)
    to_url = f"sqlite:///{tmp_path}/restored.sqlite"

    restore = services.restore_backup(backup, to_url=to_url)

    assert restore.status == "succeeded"
    for table in ("sale_sale", "account_move_line", "res_user"):
        assert _rows(to_url, table) == _rows(sqlite_backup_target.database_url, table)


def test_restoring_over_the_live_database_needs_replace_and_takes_a_safety_backup(
    sqlite_backup_target,
):
    backup = services.run_backup(sqlite_backup_target)
    live = sqlite_backup_target.database_url

    with pytest.raises(services.RestoreRefused, match="needs replace"):
        services.restore_backup(backup, to_url=live)

    with pytest.raises(services.RestoreRefused, match="type the target's name"):
        services.restore_backup(backup, to_url=live, replace=True)

    restore = services.restore_backup(backup, to_url=live, replace=True, confirm_name="shop")
    assert restore.safety_backup is not None
    assert restore.safety_backup.status == BackupStatus.SUCCEEDED
    assert restore.safety_backup.trigger == "safety"


def test_verify_passes_on_an_intact_backup_and_names_a_damaged_artifact(sqlite_backup_target):
    backup = services.run_backup(sqlite_backup_target)
    services.verify_backup(backup)
    assert backup.verify_ok is True

    artifact = backup.manifest["components"][0]["artifacts"][0]
    path = f"{backup.destination.path}/{backup.location}/{artifact['path']}"
    with open(path, "r+b") as handle:
        handle.seek(4000)
        byte = handle.read(1)
        handle.seek(4000)
        handle.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(services.VerificationFailed, match=artifact["path"]):
        services.verify_backup(backup)
    assert backup.verify_ok is False
    alert = OutboxMessage.objects.get(event="verification_failed")
    assert alert.target == sqlite_backup_target


def test_drill_restores_checks_and_measures_against_objectives(sqlite_backup_target):
    services.run_backup(sqlite_backup_target)

    drill = services.run_drill(sqlite_backup_target)

    assert drill.status == RunStatus.SUCCEEDED, drill.error
    assert drill.rto_seconds > 0 and drill.rpo_seconds >= 0
    names = [check["name"] for check in drill.checks]
    assert "Row counts match the manifest" in names
    assert len(names) > 5  # the ERP's invariants ran too
    assert "RTO" in drill.report_html and sqlite_backup_target.name in drill.report_html


def test_drill_without_any_backup_fails_and_raises_an_alert(sqlite_backup_target):
    drill = services.run_drill(sqlite_backup_target)

    assert drill.status == RunStatus.FAILED
    assert "no succeeded backup" in drill.error
    assert OutboxMessage.objects.filter(event="drill_failed", state="pending").count() == 1


def test_unwritable_destination_fails_the_backup_with_the_reason_and_keeps_old_ones(
    sqlite_backup_target, local_destination, tmp_path
):
    first = services.run_backup(sqlite_backup_target)
    local_destination.path = str(tmp_path / "a-file")
    (tmp_path / "a-file").write_text("not a directory")
    local_destination.save()

    with pytest.raises(services.BackupFailed):
        services.run_backup(sqlite_backup_target)

    failed = Backup.objects.filter(status=BackupStatus.FAILED).get()
    assert failed.error
    first.refresh_from_db()
    assert first.status == BackupStatus.SUCCEEDED
    assert OutboxMessage.objects.filter(event="backup_failed").exists()


def test_a_drill_says_not_available_for_an_invariant_whose_module_is_missing(
    sqlite_backup_target,
):
    # An ERP without the sale module: its sales invariants cannot run, and must not pass.
    with sqlite3.connect(dburl.parse(sqlite_backup_target.database_url).path) as conn:
        conn.execute("UPDATE ir_module SET state = 'not activated' WHERE name = 'sale'")
    services.run_backup(sqlite_backup_target)

    drill = services.run_drill(sqlite_backup_target)

    unavailable = [check for check in drill.checks if check["passed"] is None]
    assert unavailable, drill.checks
    assert all("not available: sale" in check["detail"] for check in unavailable)
    assert drill.status == RunStatus.SUCCEEDED, drill.error  # what ran, passed
    assert "not available" in drill.report_html
