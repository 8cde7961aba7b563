"""`erpkeeper up` as `make up` runs it: first start, second start, Ctrl-C."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_PORT": str(port)}
    env.pop("ERPKEEPER_TESTING", None)
    return subprocess.Popen(
        [sys.executable, "-m", "erpkeeper", "up"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_until_serving(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"up exited early: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the console did not answer in time")


def interrupt(proc: subprocess.Popen) -> str:
    os.killpg(proc.pid, signal.SIGINT)
    output, _ = proc.communicate(timeout=30)
    return output


def worker_processes(home: Path) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [
        line
        for line in listing.splitlines()
        if "erpkeeper worker" in line and str(home) in _environ_of(line.split()[0])
    ]


def _environ_of(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def wait_for_first_drill(home: Path, timeout: float = 120) -> list[dict]:
    """The first start queues a backup and then a drill of the demo ERP: wait for the drill."""
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    env.pop("ERPKEEPER_TESTING", None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(
            [sys.executable, "-m", "erpkeeper", "--json", "drill", "list"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        drills = json.loads(listed.stdout or "[]") if listed.returncode == 0 else []
        if drills and drills[0]["status"] != "running":
            return drills
        time.sleep(1)
    raise AssertionError("the first backup and drill did not finish in time")


@pytest.mark.slow
def test_first_start_registers_the_demo_erp_and_prints_the_password_once(
    tmp_path, tryton_sqlite_template
):
    home = tmp_path / "home"
    (home / "demo-erp").mkdir(parents=True)
    # The demo builder is tested on its own; here its output is taken from the test template.
    shutil.copy(tryton_sqlite_template, home / "demo-erp" / "demo.sqlite")
    port = free_port()

    first = start(home, port)
    # The first start seeds every domain's demo (desk, assets, teams, training, changes,
    # compliance libraries): minutes on a busy shared machine.
    wait_until_serving(port, first, timeout=300)
    drills = wait_for_first_drill(home)
    output = interrupt(first)
    assert drills[0]["status"] == "succeeded", drills
    assert first.returncode == 0, output
    assert "demo-tryton" in output
    assert "✓ demo service desk: 240 tickets of the past 60 days" in output
    password = re.search(r"password:\s+(\S+)", output)
    assert password, output
    assert "Traceback" not in output
    assert worker_processes(home) == []

    second = start(home, port)
    wait_until_serving(port, second, timeout=90)
    again = interrupt(second)
    assert "password:" not in again
    assert "1 target(s) under care" in again
    assert "demo service desk" not in again  # made once


def test_a_busy_port_is_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = start(tmp_path, port)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in output
    assert "Traceback" not in output
