"""Backups into a restic repository: a real restic, a real Tryton SQLite target, through the
services. Skipped with one line when restic is not installed, except under CI=true."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupStatus, RepositoryKind
from erpkeeper.backups.services.restic import open_repository
from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib import dburl

pytestmark = pytest.mark.django_db

if shutil.which("restic") is None and os.environ.get("CI") != "true":
    pytest.skip("restic is not installed (apt-get install restic)", allow_module_level=True)


@pytest.fixture
def restic_target(sqlite_backup_target):
    policy = services.policy_for(sqlite_backup_target)
    services.update_policy(policy, repository_kind=RepositoryKind.RESTIC)
    return sqlite_backup_target


def restic_target_size(target) -> int:
    return os.path.getsize(dburl.parse(target.database_url).path)


def _rows(url: str, table: str) -> int:
    with sqlite3.connect(dburl.parse(url).path) as conn:
        return conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_a_restic_backup_records_its_snapshot_and_restores_the_same_rows(restic_target, tmp_path):
    backup = services.run_backup(restic_target)

    assert backup.status == BackupStatus.SUCCEEDED
    assert backup.repository_kind == RepositoryKind.RESTIC
    assert backup.snapshot_id and backup.added_bytes > 0
    assert backup.raw_bytes == restic_target_size(restic_target)
    repo = open_repository(backup.destination)
    tags = {tag for snap in repo.snapshots(f"backup={backup.pk}") for tag in snap["tags"]}
    assert {f"target={restic_target.pk}", f"backup={backup.pk}"} <= tags
    # The password is nowhere on disk in the clear, and the data is encrypted by restic.
    root = tmp_path / "backups" / "restic"
    assert (root / "config").exists()
    assert backup.destination.restic_password_encrypted
    for path in root.rglob("*"):
        if path.is_file():
            assert b"SQLite format 3" not in path.read_bytes()

    to_url = f"sqlite:///{tmp_path}/restored.sqlite"
    restore = services.restore_backup(backup, to_url=to_url)
    assert restore.status == "succeeded"
    for table in ("sale_sale", "account_move_line", "res_user"):
        assert _rows(to_url, table) == _rows(restic_target.database_url, table)


def test_an_unchanged_second_backup_adds_almost_nothing(restic_target):
    first = services.run_backup(restic_target)
    second = services.run_backup(restic_target)

    assert second.raw_bytes == first.raw_bytes
    assert second.added_bytes < first.added_bytes / 20


def test_a_drill_of_a_restic_backup_restores_and_checks_the_erp(restic_target):
    services.run_backup(restic_target)

    drill = services.run_drill(restic_target)

    assert drill.status == "succeeded", drill.error
    assert drill.backup.repository_kind == RepositoryKind.RESTIC
    assert drill.checks and not [c for c in drill.checks if c["passed"] is False]
    assert len(drill.checks) > 3  # restored, row counts, the ERP's invariants


def test_verification_finds_a_flipped_byte_in_a_pack(restic_target, tmp_path):
    backup = services.run_backup(restic_target)
    services.verify_backup(backup, read_data_percent=10)
    services.verify_backup(backup)
    assert backup.verify_ok is True

    packs = sorted((tmp_path / "backups" / "restic" / "data").rglob("*"), key=_size)
    pack = packs[-1]
    pack.chmod(0o600)
    with open(pack, "r+b") as handle:
        handle.seek(_size(pack) // 2)
        byte = handle.read(1)
        handle.seek(_size(pack) // 2)
        handle.write(bytes([byte[0] ^ 0x01]))

    with pytest.raises(services.VerificationFailed, match="restic check failed"):
        services.verify_backup(backup)
    backup.refresh_from_db()
    assert backup.verify_ok is False and pack.name[:8] in backup.verify_error
    assert OutboxMessage.objects.filter(event="verification_failed").exists()


def _size(path) -> int:
    return path.stat().st_size if path.is_file() else -1


def test_console_shows_the_repository_kind_snapshot_and_bytes_added(
    restic_target, olga, console_client_for
):
    backup = services.run_backup(restic_target)
    client = console_client_for(olga)

    page = client.get(f"/backups/backup/{backup.pk}/change/").content.decode()
    assert "Deduplicated restic repository" in page
    assert backup.snapshot_id in page
    assert "new of" in page  # bytes added, of bytes read
    policy = services.policy_for(restic_target)
    form = client.get(f"/backups/backuppolicy/{policy.pk}/change/").content.decode()
    assert 'name="repository_kind"' in form


def test_api_shows_restic_fields_and_refuses_a_bad_share_to_read(
    restic_target, dave, api_client_for
):
    backup = services.run_backup(restic_target)
    client = api_client_for(dave)

    data = client.get(f"/api/v1/backups/{backup.pk}/").json()
    assert data["repository_kind"] == "restic"
    assert data["snapshot_id"] == backup.snapshot_id and data["added_bytes"] > 0
    bad = client.post(
        f"/api/v1/backups/{backup.pk}/verify/", {"read_data_percent": 0}, format="json"
    )
    assert bad.status_code == 400 and "read_data_percent" in bad.json()
    good = client.post(
        f"/api/v1/backups/{backup.pk}/verify/", {"read_data_percent": 5}, format="json"
    )
    assert good.status_code == 202
