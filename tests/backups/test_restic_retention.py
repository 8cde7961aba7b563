"""Retention and crash safety of restic repositories: forget and prune with the policy's rules,
a prune killed mid-way, a backup killed mid-stream. Real restic, real processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erpkeeper.backups import services
from erpkeeper.backups.models import BackupStatus, RepositoryKind
from erpkeeper.backups.services.restic import open_repository
from erpkeeper.lib import dburl

if shutil.which("restic") is None and os.environ.get("CI") != "true":
    pytest.skip("restic is not installed (apt-get install restic)", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restic_target(sqlite_backup_target):
    policy = services.policy_for(sqlite_backup_target)
    services.update_policy(
        policy,
        repository_kind=RepositoryKind.RESTIC,
        keep_last=2,
        keep_daily=0,
        keep_weekly=0,
        keep_monthly=0,
        keep_yearly=0,
    )
    return sqlite_backup_target


def _change_some_rows(target) -> None:
    with sqlite3.connect(dburl.parse(target.database_url).path) as conn:
        conn.execute("UPDATE sale_line SET quantity = quantity + 1 WHERE id % 7 = 0")


@pytest.mark.django_db
def test_retention_forgets_and_prunes_and_marks_the_rows_pruned(restic_target, tmp_path):
    backups = []
    for _ in range(3):
        backups.append(services.run_backup(restic_target))
        _change_some_rows(restic_target)
    repo = open_repository(backups[0].destination)

    pruned = services.apply_retention(restic_target)

    assert [b.pk for b in pruned] == [backups[0].pk]
    for backup in backups:
        backup.refresh_from_db()
    assert [b.status for b in backups] == [
        BackupStatus.PRUNED,
        BackupStatus.SUCCEEDED,
        BackupStatus.SUCCEEDED,
    ]
    assert repo.snapshots(f"backup={backups[0].pk}") == []
    assert len(repo.snapshots(f"backup={backups[1].pk}")) == 1  # the database's
    repo.check()
    restore = services.restore_backup(backups[1], to_url=f"sqlite:///{tmp_path}/kept.sqlite")
    assert restore.status == "succeeded"


@pytest.mark.django_db
def test_a_prune_killed_mid_way_leaves_a_valid_repository(restic_target, tmp_path):
    backups = []
    for _ in range(3):
        backups.append(services.run_backup(restic_target))
        _change_some_rows(restic_target)
    repo = open_repository(backups[0].destination)
    repo.forget([snap["id"] for snap in repo.snapshots(f"backup={backups[0].pk}")])

    prune = subprocess.Popen(
        ["restic", "prune"],
        env=repo.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in prune.stdout:
        seen.append(line.strip())
        if line.startswith(("repacking", "rebuilding index", "removing", "deleting")):
            prune.kill()  # mid-way: after planning, while it rewrites the repository
            break
    prune.wait()
    assert prune.returncode == -signal.SIGKILL, seen
    assert any((tmp_path / "backups" / "restic" / "locks").iterdir())  # the killed one's lock

    # Verification (restic check, all data read) passes once the stale lock is gone, and the
    # kept backups still restore.
    services.verify_backup(backups[2])
    assert backups[2].verify_ok is True, backups[2].verify_error
    restore = services.restore_backup(backups[1], to_url=f"sqlite:///{tmp_path}/after.sqlite")
    assert restore.status == "succeeded"


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
        timeout=600,
    )


def _restic_pids(home: Path) -> set[int]:
    """restic processes working on a repository under ``home`` (other tests may run restic)."""
    pids = set()
    for pid in os.listdir("/proc"):
        try:
            if (
                pid.isdigit()
                and Path(f"/proc/{pid}/comm").read_text().strip() == "restic"
                and str(home).encode() in Path(f"/proc/{pid}/environ").read_bytes()
            ):
                pids.add(int(pid))
        except OSError:
            continue
    return pids


def test_a_restic_backup_killed_mid_stream_claims_nothing_and_harms_nothing(tmp_path):
    home = tmp_path / "home"
    _cli(home, "manage", "migrate", "-v0")
    database = tmp_path / "erp.sqlite"
    with sqlite3.connect(database) as conn:  # incompressible: long enough to be killed
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        conn.executemany("INSERT INTO blobs (data) VALUES (randomblob(?))", [(1 << 20,)] * 150)
    _cli(home, "target", "add", "big", "--db-url", f"sqlite:///{database}", "--no-check")
    _cli(home, "backup", "policy", "big", "--repository-kind", "restic")
    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_TESTING": ""}
    env.pop("ERPKEEPER_BACKUP_KEY_FILE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "erpkeeper", "backup", "run", "big"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    data = home / "backups" / "restic" / "data"
    deadline = time.monotonic() + 120
    while not (data.exists() and sum(1 for p in data.rglob("*") if p.is_file()) >= 3):
        assert process.poll() is None, "the backup ended before it could be killed"
        assert time.monotonic() < deadline, "restic never started writing"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)  # ERPKeeper only: restic must die with it
    process.wait()
    time.sleep(1)
    assert not _restic_pids(home), "restic outlived the killed worker"

    listed = json.loads(_cli(home, "--json", "backup", "list").stdout)
    assert [row["status"] for row in listed] == ["running"]  # never "succeeded"

    second = _cli(home, "backup", "run", "big", check=False)
    assert second.returncode == 0, second.stderr
    rows = json.loads(_cli(home, "--json", "backup", "list").stdout)
    assert sorted(row["status"] for row in rows) == ["failed", "succeeded"]
    killed = next(row for row in rows if row["status"] == "failed")
    shown = json.loads(_cli(home, "--json", "backup", "show", str(killed["id"])).stdout)
    assert shown["snapshot_id"] == ""
    verify = _cli(home, "backup", "verify", str(rows[0]["id"]), check=False)
    assert verify.returncode == 0, verify.stderr + verify.stdout
    locks = home / "backups" / "restic" / "locks"
    assert not any(locks.iterdir())
