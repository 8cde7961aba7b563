"""A dead worker is noticed: `erpkeeper up` starts it again, and /healthz says 503 while the
worker or the scheduler does not beat. Real processes, killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(home: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERPKEEPER_")}
    env.update(
        ERPKEEPER_HOME=str(home),
        ERPKEEPER_PORT=str(port),
        ERPKEEPER_HEALTH_BEAT_SECONDS="1",
        ERPKEEPER_HEALTH_STALE_SECONDS="4",
        ERPKEEPER_COLLECT_INTERVAL="0",  # nothing else to do on a 2-core machine
    )
    return env


class Processes:
    def __init__(self, home: Path):
        self.home = home
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, env: dict, *argv: str) -> subprocess.Popen:
        log = self.home / f"{argv[0]}-{len(self.started)}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "erpkeeper", *argv],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((process, log))
        return process

    def output(self, process: subprocess.Popen) -> str:
        return next(log.read_text() for p, log in self.started if p is process)

    def stop_all(self) -> None:
        for process, _log in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@pytest.fixture
def processes(tmp_path):
    pool = Processes(tmp_path)
    yield pool
    pool.stop_all()


def healthz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for_health(port: int, predicate, up: subprocess.Popen, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert up.poll() is None, "erpkeeper up exited"
        try:
            last = healthz(port)
        except (OSError, ValueError):  # not listening yet
            time.sleep(0.3)
            continue
        if predicate(*last):
            return last[1]
        time.sleep(0.3)
    raise AssertionError(f"/healthz never matched; last answer {last}")


def pid_of(part: dict) -> int:
    return int(part["by"].rpartition(":")[2])


def test_up_restarts_a_killed_worker_and_healthz_follows(tmp_path, processes):
    port = free_port()
    up = processes.start(environment(tmp_path, port), "up", "--no-demo")

    body = wait_for_health(port, lambda status, body: status == 200, up)
    assert body["status"] == "ok" and body["stale"] == []
    first = pid_of(body["worker"])
    assert pid_of(body["scheduler"]) == first  # `up` runs one worker with the scheduler

    os.kill(first, signal.SIGKILL)  # as the OOM killer does

    body = wait_for_health(
        port, lambda status, body: status == 200 and pid_of(body["worker"]) != first, up
    )
    assert pid_of(body["scheduler"]) == pid_of(body["worker"])
    output = processes.output(up)
    assert "the job worker stopped unexpectedly (exit -9); restarting it in 1 s" in output
    assert f"job worker restarted (pid {pid_of(body['worker'])})" in output


def test_healthz_is_503_naming_what_is_stale(tmp_path, processes):
    port = free_port()
    env = environment(tmp_path, port)
    up = processes.start(env, "up", "--no-demo", "--no-worker")  # the console alone

    body = wait_for_health(port, lambda status, body: status == 503, up)
    assert body["status"] == "unhealthy"
    assert body["stale"] == ["worker", "scheduler"]
    assert body["worker"]["last_seen"] is None
    assert "No heartbeat for more than 4 s from: worker, scheduler." in body["detail"]

    worker = processes.start(env, "worker")  # e.g. on another machine, or a systemd unit
    body = wait_for_health(port, lambda status, body: status == 200, up)
    assert pid_of(body["worker"]) == worker.pid

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    body = wait_for_health(port, lambda status, body: status == 503, up, timeout=30)
    assert body["stale"] == ["worker", "scheduler"]
    assert body["worker"]["age_seconds"] >= 4
