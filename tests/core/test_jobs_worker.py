"""Real worker processes: crash recovery, cancel and clean stop on SqliteHuey, scale-out on Redis.

Every process here is separate, as in production: the platform database is a real SQLite file
(migrated once per module, copied per test), jobs are enqueued by one process and run by a
``erpkeeper worker`` child. The test itself only reads the database file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from erpkeeper.core.jobs.reaper import WORKER_LOST

ROOT = Path(__file__).resolve().parents[2]
ENQUEUE = """
import json, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
django.setup()
from erpkeeper.core.jobs import enqueue
job = enqueue(sys.argv[1], params=json.loads(sys.argv[2]))
print(json.dumps({"id": job.pk, "pid": os.getpid()}))
"""


def environment(home: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERPKEEPER_")}
    env.update(ERPKEEPER_HOME=str(home), ERPKEEPER_TESTING="true", **extra)
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("jobs-template")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=environment(home),
        check=True,
        timeout=120,
    )
    return home


@pytest.fixture
def home(tmp_path, migrated) -> Path:
    for name in ("erpkeeper.sqlite3", "secret_key"):
        shutil.copy2(migrated / name, tmp_path / name)
    return tmp_path


class Workers:
    """Starts ``erpkeeper worker`` children and makes sure none outlives the test."""

    def __init__(self, home: Path):
        self.home = home
        self.started: list[subprocess.Popen] = []
        self.logs: list = []

    def start(self, env: dict, *args: str) -> subprocess.Popen:
        log = open(self.home / f"worker-{len(self.started)}.log", "w")  # noqa: SIM115
        self.logs.append(log)
        process = subprocess.Popen(
            [sys.executable, "-m", "erpkeeper", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


@pytest.fixture
def workers(home):
    pool = Workers(home)
    yield pool
    pool.stop_all()


def enqueue(env: dict, kind: str, **params) -> dict:
    import json

    out = subprocess.run(
        [sys.executable, "-c", ENQUEUE, kind, json.dumps(params)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "erpkeeper", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def row(home: Path, job_id: int) -> dict:
    with sqlite3.connect(f"file:{home / 'erpkeeper.sqlite3'}?mode=ro", uri=True, timeout=30) as db:
        db.row_factory = sqlite3.Row
        found = db.execute("SELECT * FROM core_job WHERE id = ?", (job_id,)).fetchone()
    return dict(found)


def wait_for(home: Path, job_id: int, predicate, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        current = row(home, job_id)
        if predicate(current):
            return current
        if time.monotonic() > deadline:
            logs = "\n".join(p.read_text()[-2000:] for p in sorted(home.glob("worker-*.log")))
            raise AssertionError(f"job {job_id} stuck as {current}\nworker logs:\n{logs}")
        time.sleep(0.1)


def test_a_job_whose_worker_is_killed_ends_failed_not_running(home, workers):
    env = environment(home)
    first = workers.start(env)
    job = enqueue(env, "core.test.sleep", seconds=60)
    running = wait_for(home, job["id"], lambda r: r["status"] == "running" and r["progress"] > 0)
    assert running["worker"] == f"{socket.gethostname()}:{first.pid}"

    first.send_signal(signal.SIGKILL)  # no chance to clean up
    first.wait(timeout=10)
    assert row(home, job["id"])["status"] == "running"

    second = workers.start(env)  # a worker's start-up reaps runs of dead workers on its host
    failed = wait_for(home, job["id"], lambda r: r["status"] != "running", timeout=20)
    assert failed["status"] == "failed"
    assert failed["error"] == WORKER_LOST
    assert failed["finished"] is not None

    # The new worker serves the queue; `job wait` follows it from yet another process.
    after = enqueue(env, "core.test.sleep", seconds=0.2)
    waited = cli(env, "job", "wait", str(after["id"]), "--timeout", "20")
    assert waited.returncode == 0, waited.stdout + waited.stderr
    assert row(home, after["id"])["worker"] == f"{socket.gethostname()}:{second.pid}"

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0


def test_cancel_reaches_a_running_job_and_sigterm_stops_the_worker_cleanly(home, workers):
    env = environment(home)
    worker = workers.start(env, "--no-scheduler")
    job = enqueue(env, "core.test.sleep", seconds=60)
    wait_for(home, job["id"], lambda r: r["status"] == "running" and r["progress"] > 0)
    cancelled = cli(env, "job", "cancel", str(job["id"]))
    assert cancelled.returncode == 0, cancelled.stderr
    ended = wait_for(home, job["id"], lambda r: r["status"] != "running", timeout=10)
    assert ended["status"] == "cancelled"
    assert ended["cancelled_by_name"].startswith("cli:")

    busy = enqueue(env, "core.test.sleep", seconds=60)
    wait_for(home, busy["id"], lambda r: r["status"] == "running" and r["progress"] > 0)
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    assert time.monotonic() - started < 10  # the job noticed the shutdown at its next step
    stopped = row(home, busy["id"])
    assert stopped["status"] == "failed"
    assert "worker was stopped" in stopped["error"]


@pytest.mark.redis
def test_a_job_enqueued_by_one_process_runs_in_a_worker_process_over_redis(
    home, workers, redis_url
):
    import redis

    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter("huey.*erpkeeper*"):
        server.delete(key)
    env = environment(home, ERPKEEPER_REDIS_URL=redis_url)
    worker = workers.start(env, "--no-scheduler")
    job = enqueue(env, "core.test.sleep", seconds=0.2)
    done = wait_for(home, job["id"], lambda r: r["status"] not in ("queued", "running"))
    assert done["status"] == "succeeded", done
    assert done["worker"] == f"{socket.gethostname()}:{worker.pid}"
    assert job["pid"] != worker.pid
    assert not (home / "jobs.sqlite3").exists()  # the queue was Redis, not the SQLite file
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
