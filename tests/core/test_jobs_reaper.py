"""A backup, off-site copy, restore or drill whose worker died is settled by the reaper: the row
says failed with the reason, what it left is cleared up (a restore's database excepted), and the
failure is raised as a notice.

The first test kills a real worker in the middle of a real backup; the others leave rows as a
dead worker leaves them (a job "running" with a heartbeat minutes old) and run the reaper, as
the scheduler does every minute.
"""

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
from django.conf import settings
from django.utils import timezone

from erpkeeper.backups.models import (
    Backup,
    BackupCopy,
    BackupStatus,
    CopyStatus,
    Drill,
    Restore,
)
from erpkeeper.core.jobs import reap_stale_jobs
from erpkeeper.core.models import Job, OutboxMessage
from erpkeeper.core.runs import RunStatus

ROOT = Path(__file__).resolve().parents[2]
REASON = "interrupted: the worker running it stopped (killed or crashed)"
REAP = """
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
django.setup()
from erpkeeper.core.jobs import reap_stale_jobs
print(reap_stale_jobs())
"""


def environment(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERPKEEPER_")}
    env.update(ERPKEEPER_HOME=str(home), ERPKEEPER_TESTING="true")
    return env


def run(env: dict, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def query(home: Path, sql: str, *args) -> list[dict]:
    with sqlite3.connect(f"file:{home / 'erpkeeper.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, args)]


def test_a_backup_whose_worker_is_killed_is_failed_cleaned_and_notified(tmp_path):
    home = tmp_path / "home"
    env = environment(home)
    assert run(env, "-m", "erpkeeper", "manage", "migrate", "-v0").returncode == 0
    database = tmp_path / "erp.sqlite"
    with sqlite3.connect(database) as conn:  # incompressible: slow enough to be killed mid-way
        conn.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB)")
        # 400 MB: writing it takes seconds, so a busy machine still sees the partial artifact.
        conn.executemany("INSERT INTO blobs (data) VALUES (randomblob(?))", [(1 << 20,)] * 400)
    added = run(env, "-m", "erpkeeper", "target", "add", "big", "--db-url", f"sqlite:///{database}",
                "--no-check")  # fmt: skip
    assert added.returncode == 0, added.stderr
    worker = subprocess.Popen(
        [sys.executable, "-m", "erpkeeper", "worker", "--no-scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        queued = run(env, "-m", "erpkeeper", "backup", "run", "big", "--no-wait")
        assert queued.returncode == 0, queued.stderr
        partial = wait_for_partial(home / "backups", worker)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # no chance to clean up
        worker.wait()
    assert query(home, "SELECT status FROM backups_backup") == [{"status": "running"}]

    reaped = run(env, "-c", REAP)  # what the scheduler runs every minute
    assert reaped.returncode == 0, reaped.stderr

    [backup] = query(home, "SELECT id, status, error, finished FROM backups_backup")
    assert backup["status"] == "failed"
    assert backup["error"] == REASON
    assert backup["finished"] is not None
    assert not partial.exists()
    assert [p for p in (home / "backups").rglob("*") if p.is_file()] == []
    notices = query(home, "SELECT event, state, subject FROM core_outboxmessage")
    assert notices == [{"event": "backup_failed", "state": "pending",
                        "subject": "Backup of big failed"}]  # fmt: skip
    listed = json.loads(run(env, "-m", "erpkeeper", "--json", "backup", "list").stdout)
    assert [row["status"] for row in listed] == ["failed"]


def wait_for_partial(root: Path, process, timeout: float = 300) -> Path:
    # Generous: with the other test worker busy beside it, the worker may be slow to start.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        partial = list(root.rglob("*.partial")) if root.exists() else []
        if partial and partial[0].stat().st_size > 4 << 20:
            return partial[0]
        assert process.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.02)
    raise AssertionError("no artifact was being written")


# -- rows left as a dead worker leaves them ------------------------------------------------------


@pytest.fixture
def target(db, tmp_path, local_destination):
    from erpkeeper.backups.services import policy_for, update_policy
    from erpkeeper.targets import services as targets

    found = targets.add_target(
        name="shop", database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}", verify=False
    )
    update_policy(policy_for(found), destination=local_destination)
    return found


def dead_job(target, kind: str) -> Job:
    """A run whose worker (on another machine) stopped beating five minutes ago."""
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    return Job.objects.create(
        kind=kind,
        target=target,
        status=Job.Status.RUNNING,
        worker="another-machine:4242",
        started=long_ago,
        heartbeat=long_ago,
    )


def partial_object(destination, location: str) -> Path:
    folder = Path(destination.path) / location / "database"
    folder.mkdir(parents=True)
    partial = folder / "db.sqlite.zst.enc.partial"
    partial.write_bytes(os.urandom(4096))
    return partial


def test_a_running_backup_of_a_dead_job_is_failed_its_objects_removed_and_notified(
    target, local_destination
):
    job = dead_job(target, "backup.run")
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        destination=local_destination,
        location="shop/20250101T000000Z-1",
        job=job,
        started=job.started,
    )
    partial = partial_object(local_destination, backup.location)

    assert reap_stale_jobs() == [job.pk]

    backup.refresh_from_db()
    assert (backup.status, backup.error) == (BackupStatus.FAILED, REASON)
    assert backup.finished is not None
    assert not partial.exists() and not (partial.parents[1]).exists()
    notice = OutboxMessage.objects.get(source="backups", event="backup_failed", target=target)
    assert notice.subject == "Backup of shop failed" and notice.body == REASON


def test_a_drill_of_a_dead_job_is_failed_its_scratch_dropped_and_notified(target):
    job = dead_job(target, "backup.drill")
    drill = Drill.objects.create(
        target=target,
        target_name=target.name,
        job=job,
        started=job.started,
        rto_target_seconds=3600,
        rpo_target_seconds=86400,
    )
    scratch = Path(settings.HOME) / "drills" / f"drill-{drill.pk}"
    (scratch / "files").mkdir(parents=True)
    (scratch / "scratch.sqlite").write_bytes(b"a copy of the ERP's data")

    reap_stale_jobs()

    drill.refresh_from_db()
    assert (drill.status, drill.error) == (RunStatus.FAILED, REASON)
    assert not scratch.exists()
    assert REASON in drill.report_html
    notice = OutboxMessage.objects.get(source="backups", event="drill_failed", target=target)
    assert notice.subject == "Recovery drill of shop failed"


def test_an_offsite_copy_cut_short_is_failed_and_its_objects_removed(
    target, local_destination, tmp_path
):
    from erpkeeper.backups.services import create_destination

    offsite = create_destination(name="far", kind="local", path=str(tmp_path / "far"))
    job = dead_job(target, "backup.run")
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        status=BackupStatus.SUCCEEDED,  # the backup was done; the job died while copying it
        destination=local_destination,
        location="shop/20250101T000000Z-2",
        job=job,
        started=job.started,
        finished=job.started,
    )
    copy = BackupCopy.objects.create(backup=backup, destination=offsite, job=job)
    partial = partial_object(offsite, backup.location)

    reap_stale_jobs()

    copy.refresh_from_db()
    assert (copy.status, copy.error) == (CopyStatus.FAILED, REASON)
    assert copy.finished is not None
    assert not partial.exists() and not partial.parents[1].exists()
    backup.refresh_from_db()
    assert backup.status == BackupStatus.SUCCEEDED  # the primary copy is good
    notice = OutboxMessage.objects.get(source="backups", event="offsite_copy_failed")
    assert notice.severity == OutboxMessage.Severity.WARNING
    assert notice.subject == "Off-site copy of shop failed" and notice.body == REASON


def test_a_restore_of_a_dead_job_is_failed_notified_and_its_database_kept(
    target, local_destination, tmp_path
):
    job = dead_job(target, "backup.restore")
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        status=BackupStatus.SUCCEEDED,
        destination=local_destination,
        location="shop/20250101T000000Z-5",
        started=job.started,
        finished=job.started,
    )
    half_written = tmp_path / "restored.sqlite"
    half_written.write_bytes(b"SQLite format 3\x00 and then nothing")
    restore = Restore.objects.create(
        backup=backup, destination_masked=f"sqlite:///{half_written}", job=job
    )

    reap_stale_jobs()

    restore.refresh_from_db()
    assert (restore.status, restore.error) == (RunStatus.FAILED, REASON)
    assert half_written.exists(), "a restore's database is never dropped: it may be the original"
    notice = OutboxMessage.objects.get(source="backups", event="restore_failed", target=target)
    assert notice.severity == OutboxMessage.Severity.WARNING
    assert notice.subject == "Restore of shop failed"
    assert f"sqlite:///{half_written}" in notice.body and "may be incomplete" in notice.body
    assert "not dropped" in notice.body and REASON in notice.body
    assert notice.link == f"/backups/restore/{restore.pk}/change/"


def test_a_restore_settled_by_its_own_process_is_left_alone(target, local_destination, tmp_path):
    job = dead_job(target, "backup.restore")
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        status=BackupStatus.SUCCEEDED,
        destination=local_destination,
        location="shop/20250101T000000Z-6",
        started=job.started,
        finished=job.started,
    )
    restore = Restore.objects.create(
        backup=backup, destination_masked="sqlite:///restored.sqlite", job=job
    )
    Restore.objects.filter(pk=restore.pk).update(status=RunStatus.SUCCEEDED)  # just before

    reap_stale_jobs()

    restore.refresh_from_db()
    assert (restore.status, restore.error) == (RunStatus.SUCCEEDED, "")
    assert not OutboxMessage.objects.filter(event="restore_failed").exists()


def test_the_sweep_settles_a_backup_whose_job_ended_without_it(target, local_destination):
    from erpkeeper.backups.reaping import sweep_orphans
    from erpkeeper.core.scheduler import schedules

    job = dead_job(target, "backup.run")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED)  # reaped by an older version
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        destination=local_destination,
        location="shop/20250101T000000Z-3",
        job=job,
        started=job.started,
    )

    sweep_orphans()

    backup.refresh_from_db()
    assert (backup.status, backup.error) == (BackupStatus.FAILED, REASON)
    assert OutboxMessage.objects.filter(event="backup_failed", target=target).count() == 1
    swept = {schedule.name: schedule for schedule in schedules()}["backups.settle_interrupted"]
    assert swept.cron == "*/5 * * * *"


def test_the_sweep_fails_a_run_of_no_job_only_after_a_day(target, local_destination):
    from erpkeeper.backups.reaping import sweep_orphans

    def jobless_backup(started, location):
        return Backup.objects.create(
            target=target,
            target_name=target.name,
            trigger="manual",
            destination=local_destination,
            location=location,
            started=started,
        )

    # a service called from a shell that died, and one that may still be at work
    stale = jobless_backup(timezone.now() - dt.timedelta(days=1, minutes=1), "shop/x-7")
    recent = jobless_backup(timezone.now() - dt.timedelta(hours=2), "shop/x-8")

    sweep_orphans()

    stale.refresh_from_db()
    recent.refresh_from_db()
    assert (stale.status, stale.error) == (BackupStatus.FAILED, REASON)
    assert recent.status == BackupStatus.RUNNING


def test_a_live_run_is_left_alone(target, local_destination):
    job = dead_job(target, "backup.run")
    Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now())  # its worker still beats
    backup = Backup.objects.create(
        target=target,
        target_name=target.name,
        trigger="manual",
        destination=local_destination,
        location="shop/20250101T000000Z-4",
        job=job,
        started=job.started,
    )

    assert reap_stale_jobs() == []

    backup.refresh_from_db()
    assert backup.status == BackupStatus.RUNNING
    assert not OutboxMessage.objects.exists()
