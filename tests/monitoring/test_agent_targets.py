"""Target database URLs reach the agent without showing in the process list: from a file only
its owner may read, or from the environment; a password on the command line is warned about."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from erpkeeper.monitoring.models import Sample
from erpkeeper.monitoring.services import create_host

AGENT = [sys.executable, "-m", "erpkeeper.monitoring.agent"]


def agent_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ERPKEEPER_")}
    env.update(extra)
    return env


def run_agent(*argv: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*AGENT, *argv], env=agent_env(**env), capture_output=True, text=True, timeout=60
    )


def test_a_password_on_the_command_line_is_warned_about(tmp_path):
    done = run_agent(
        "--server", "http://127.0.0.1:9", "--token", "ekh_x_y", "--buffer-dir", str(tmp_path),
        "--target", "shop=postgresql://monitor:s3cret@127.0.0.1/shop",
        "--erp-server", "nowhere=http://127.0.0.1:8000/",  # a usage error: stops after the checks
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        "warning: --target shop has a password on the command line, visible to every user of "
        "this machine in the process list; use --targets-file or $ERPKEEPER_AGENT_TARGETS"
    ) in done.stderr
    assert "s3cret" not in done.stderr


def test_a_targets_file_every_user_may_read_is_refused(tmp_path):
    targets = tmp_path / "targets"
    targets.write_text("shop=postgresql://monitor:s3cret@127.0.0.1/shop\n")
    targets.chmod(0o644)
    done = run_agent(
        "--server", "http://127.0.0.1:9", "--token", "ekh_x_y", "--buffer-dir", str(tmp_path),
        "--targets-file", str(targets),
    )  # fmt: skip
    assert done.returncode == 2
    assert f"error: --targets-file {targets} may be read or changed by every user" in done.stderr
    assert f"chmod 600 {targets}" in done.stderr


@pytest.mark.parametrize("form", ["file", "environment"])
def test_targets_from_a_file_or_the_environment_are_collected(live_server, tmp_path, form):
    import sqlite3

    from erpkeeper.targets import services as targets

    erp = tmp_path / "shop.sqlite"
    sqlite3.connect(erp).close()
    shop = targets.add_target(name="shop", database_url=f"sqlite:///{erp}", verify=False)
    host, token = create_host("branch-1")
    argv = [
        "--server", live_server.url, "--token", token, "--name", host.name,
        "--interval", "0.3", "--buffer-dir", str(tmp_path / "buffer"),
    ]  # fmt: skip
    env = {}
    if form == "file":
        listed = tmp_path / "targets"
        listed.write_text(f"# the ERP on this machine\n\nshop=sqlite:///{erp}\n")
        listed.chmod(0o600)
        argv += ["--targets-file", str(listed)]
    else:
        env["ERPKEEPER_AGENT_TARGETS"] = f"shop=sqlite:///{erp}"
    agent = subprocess.Popen(
        [*AGENT, *argv], env=agent_env(**env), stderr=subprocess.PIPE, text=True
    )
    about_shop = Sample.objects.filter(series__target=shop, series__metric="db.file_bytes")
    try:
        deadline = time.monotonic() + 30
        while not about_shop.exists():
            assert time.monotonic() < deadline and agent.poll() is None, "nothing about shop"
            time.sleep(0.1)
    finally:
        agent.send_signal(signal.SIGTERM)
        _out, log = agent.communicate(timeout=15)
    assert "password" not in log
