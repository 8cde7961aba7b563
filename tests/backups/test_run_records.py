"""Off-site copies are runs like backups, restores and drills: a copy's row says "running"
while it copies and "succeeded" or "failed" once it ended; drills and copies recorded before
share the same statuses after the upgrade."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupCopy, BackupStatus, CopyStatus
from erpkeeper.backups.services import copies
from erpkeeper.backups.services.requests import request_backup
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import Job, OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def offsite(sqlite_backup_target, tmp_path):
    far = services.create_destination(name="far", kind="local", path=str(tmp_path / "far"))
    services.update_policy(services.policy_for(sqlite_backup_target), offsite_destination=far)
    return far


def test_a_copy_is_running_while_it_copies_and_succeeded_after(
    sqlite_backup_target, offsite, olga, api_client_for, monkeypatch
):
    seen_while_copying = []
    copy_object = copies._copy_object

    def watched(source, target, path, expected_sha256):
        seen_while_copying.append(list(BackupCopy.objects.values_list("status", "finished")))
        return copy_object(source, target, path, expected_sha256)

    monkeypatch.setattr(copies, "_copy_object", watched)
    job = request_backup(sqlite_backup_target, olga).job

    assert run_job(job.pk, heartbeat=False).status == Job.Status.SUCCEEDED

    assert seen_while_copying and all(
        rows == [(CopyStatus.RUNNING, None)] for rows in seen_while_copying
    )
    copy = BackupCopy.objects.get()
    assert (copy.status, copy.job_id, copy.destination) == (CopyStatus.SUCCEEDED, job.pk, offsite)
    assert copy.backup.status == BackupStatus.SUCCEEDED
    assert copy.stored_bytes >= copy.backup.stored_bytes
    assert copy.started <= copy.finished and copy.error == ""
    listed = api_client_for(olga).get(f"/api/v1/backups/{copy.backup_id}/").json()
    [shown] = listed["copies"]
    assert shown["status"] == "succeeded" and shown["started"] and shown["finished"]


def test_a_copy_that_fails_says_why_and_leaves_nothing_behind(
    sqlite_backup_target, local_destination, offsite, tmp_path, monkeypatch
):
    copy_object = copies._copy_object

    def source_changed_meanwhile(source, target, path, expected_sha256):
        with open(Path(local_destination.path) / path, "ab") as artifact:
            artifact.write(b"!")
        return copy_object(source, target, path, expected_sha256)

    monkeypatch.setattr(copies, "_copy_object", source_changed_meanwhile)

    backup = services.run_backup(sqlite_backup_target)

    assert backup.status == BackupStatus.SUCCEEDED  # the primary copy was good when it ended
    copy = backup.copies.get()
    assert copy.status == CopyStatus.FAILED and "changed at the source" in copy.error
    assert copy.finished is not None
    assert not [p for p in (tmp_path / "far").rglob("*") if p.is_file()]
    notice = OutboxMessage.objects.get(event="offsite_copy_failed")
    assert notice.subject == "Off-site copy of shop failed" and notice.body == copy.error


UPGRADE = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

call_command("migrate", "-v0")
call_command("migrate", "backups", "0004", "-v0")  # the schema before runs were shared
old = MigrationExecutor(connection).loader.project_state(("backups", "0004_backup_status_deleted"))
Backup = old.apps.get_model("backups", "Backup")
backup = Backup.objects.create(target_name="shop", trigger="manual", status="succeeded",
                               location="shop/1", started="2025-03-01T02:00:00Z")
copy = old.apps.get_model("backups", "BackupCopy").objects.create(
    backup=backup, status="copied", stored_bytes=1)
for status in ("passed", "failed"):
    old.apps.get_model("backups", "Drill").objects.create(
        target_name="shop", status=status, started="2025-03-01T05:00:00Z",
        rto_target_seconds=3600, rpo_target_seconds=86400)
call_command("migrate", "-v0")

from erpkeeper.backups.models import BackupCopy, Drill
print(sorted(Drill.objects.values_list("status", flat=True)))
copy = BackupCopy.objects.get()
print(copy.status, copy.started == copy.finished, copy.finished is not None)
"""


def test_drills_and_copies_recorded_before_read_succeeded_after_the_upgrade(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERPKEEPER_")}
    env.update(ERPKEEPER_HOME=str(tmp_path / "home"), ERPKEEPER_TESTING="true")

    upgraded = subprocess.run(
        [sys.executable, "-c", UPGRADE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.splitlines() == ["['failed', 'succeeded']", "succeeded True True"]
