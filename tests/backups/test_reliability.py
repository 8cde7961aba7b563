"""What must hold when things go wrong: a killed backup, a wrong key, a full destination,
retention next to failures. Real processes, a real full filesystem, real files."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupStatus
from erpkeeper.backups.services.retention import RetentionRules, plan_retention
from erpkeeper.core.models import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


def _cli(home: Path, *argv, check=True) -> subprocess.CompletedProcess:
    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_TESTING": ""}
    env.pop("ERPKEEPER_BACKUP_KEY_FILE", None)
    return subprocess.run(
        [sys.executable, "-m", "erpkeeper", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
    )


def _big_sqlite(path: Path, megabytes: int) -> None:
    # Random blobs: incompressible, so the backup takes long enough to be killed mid-stream.
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        conn.executemany(
            "INSERT INTO blobs (data) VALUES (randomblob(?))", [(1 << 20,)] * megabytes
        )


def test_a_backup_killed_mid_stream_leaves_no_success_and_the_next_run_succeeds(tmp_path):
    home = tmp_path / "home"
    _cli(home, "manage", "migrate", "-v0")
    database = tmp_path / "erp.sqlite"
    _big_sqlite(database, 200)
    _cli(home, "target", "add", "big", "--db-url", f"sqlite:///{database}", "--no-check")

    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_TESTING": ""}
    env.pop("ERPKEEPER_BACKUP_KEY_FILE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "erpkeeper", "backup", "run", "big"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait_for_partial_artifact(home / "backups", process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()

    listed = json.loads(_cli(home, "--json", "backup", "list").stdout)
    assert [row["status"] for row in listed] == ["running"]  # never "succeeded"

    second = _cli(home, "backup", "run", "big", check=False)
    assert second.returncode == 0, second.stderr
    statuses = {
        row["id"]: row["status"]
        for row in json.loads(_cli(home, "--json", "backup", "list").stdout)
    }
    assert sorted(statuses.values()) == ["failed", "succeeded"]
    # The killed run's partial objects are gone: only the good backup is on disk.
    leftovers = [p for p in (home / "backups").rglob("*") if p.is_file()]
    assert leftovers and not [p for p in leftovers if p.name.endswith(".partial")]
    assert len({p.relative_to(home / "backups").parts[1] for p in leftovers}) == 1


def _wait_for_partial_artifact(root: Path, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partial = list(root.rglob("*.partial")) if root.exists() else []
        if partial and partial[0].stat().st_size > 8 << 20:
            return
        assert process.poll() is None, "the backup ended before it could be killed"
        time.sleep(0.02)
    raise AssertionError("no artifact was being written")


@pytest.mark.django_db
def test_a_wrong_repository_key_gives_a_clear_error(sqlite_backup_target, backup_key_file):
    backup = services.run_backup(sqlite_backup_target)
    backup_key_file.unlink()
    from erpkeeper.backups.pipeline import RepositoryKey

    RepositoryKey.create(backup_key_file)  # a different key, as after losing the original

    with pytest.raises(services.VerificationFailed, match="encrypted with key"):
        services.verify_backup(backup)
    with pytest.raises(services.RestoreFailed, match="encrypted with key"):
        services.restore_backup(backup, to_url=f"sqlite:///{backup_key_file.parent}/x.sqlite")


@pytest.fixture
def tiny_filesystem(tmp_path):
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


@pytest.mark.django_db
def test_a_full_destination_fails_with_the_reason_an_alert_and_deletes_nothing(
    sqlite_backup_target, local_destination, tiny_filesystem
):
    first = services.run_backup(sqlite_backup_target)
    services.update_policy(
        services.policy_for(sqlite_backup_target),
        keep_last=1,
        keep_daily=0,
        keep_weekly=0,
        keep_monthly=0,
        keep_yearly=0,
    )
    full = services.create_destination(name="tiny", kind="local", path=str(tiny_filesystem))
    services.update_policy(services.policy_for(sqlite_backup_target), destination=full)

    with pytest.raises(services.BackupFailed, match="full"):
        services.run_backup(sqlite_backup_target)

    failed = Backup.objects.get(status=BackupStatus.FAILED)
    assert "full" in failed.error
    leftovers = [p for p in tiny_filesystem.rglob("*") if p.is_file()]
    assert not leftovers, "the failed backup's partial files are removed"
    first.refresh_from_db()
    assert first.status == BackupStatus.SUCCEEDED
    assert Path(first.destination.path, first.location).is_dir()
    alert = OutboxMessage.objects.get(event="backup_failed")
    assert "full" in alert.body


class _Backup:
    def __init__(self, pk, started, verify_ok=None):
        self.pk, self.started, self.verify_ok = pk, started, verify_ok


def _history(days: int, now: dt.datetime) -> list[_Backup]:
    return [_Backup(i, now - dt.timedelta(days=i)) for i in range(days)]


def test_retention_keeps_generations_per_period():
    now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    backups = _history(400, now)
    keep = plan_retention(backups, RetentionRules(last=2, daily=7, weekly=4, monthly=6, yearly=2))
    kept_ages = sorted(b.pk for b in backups if b.pk in keep)
    assert kept_ages[:7] == list(range(7))  # the last 7 days
    assert len(keep) <= 2 + 7 + 4 + 6 + 2
    assert 328 in keep  # yearly: the newest of 2025, on 2025-12-31
    assert 24 in keep  # monthly: the newest of October, on 2026-10-31


def test_retention_never_deletes_the_newest_verified_backup():
    now = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    backups = _history(30, now)
    backups[20].verify_ok = True  # the only verified one, 20 days old
    keep = plan_retention(backups, RetentionRules(last=1))
    assert set(keep) == {0, 20}
