"""``erpkeeper demo-erp``: end-to-end in a subprocess, and two builds give the same data."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from erpkeeper.demo.verify import business_fingerprint, check_invariants
from tests.fixtures.tryton import CACHE_DIR

ROOT = Path(__file__).resolve().parents[2]


def erpkeeper(*args, home: Path, extra_env=None, timeout=600):
    env = {**os.environ, "ERPKEEPER_HOME": str(home), **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "erpkeeper.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_bad_size_is_a_usage_error(tmp_path):
    result = erpkeeper("--json", "demo-erp", "--size", "huge", home=tmp_path)
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"] == "usage"
    result = erpkeeper("demo-erp", "--db-url", "mysql://root@localhost/erp", home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


@pytest.mark.slow
def test_existing_database_is_refused(tmp_path, tryton_sqlite_db):
    result = erpkeeper("--json", "demo-erp", "--db-url", tryton_sqlite_db, home=tmp_path)
    assert result.returncode == 1
    error = json.loads(result.stdout)
    assert error["error"] == "demo_build_failed"
    assert "refusing to overwrite" in error["detail"]


@pytest.mark.slow
def test_demo_erp_json_end_to_end_and_deterministic(
    tmp_path, tryton_sqlite_template, tryton_template_info
):
    """A real build in the default place; same seed and day as the template: same data."""
    result = erpkeeper(
        "--json",
        "demo-erp",
        "--seed",
        "1",
        home=tmp_path,
        extra_env={
            "ERPKEEPER_DEMO_ANCHOR": tryton_template_info["anchor"],
            # The modules activated once, kept next to the templates: skips ~20 s.
            "ERPKEEPER_DEMO_BASE_CACHE": str(CACHE_DIR),
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    database = tmp_path / "demo-erp" / "demo.sqlite"
    password_file = tmp_path / "demo-erp" / "admin-password"
    assert summary["path"] == str(database) and database.exists()
    assert summary["password_file"] == str(password_file)
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    # ERPKeeper's own security check flags an ERP database other users can read: not its own.
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    password = password_file.read_text().strip()
    assert len(password) >= 16
    assert password not in result.stdout and password not in result.stderr
    assert summary["sales"]["total"] == tryton_template_info["sales"]["total"]
    assert summary["sales"]["by_state"]["done"] >= 10
    assert summary["sod_conflict_user"] == "zhou.qiang"
    url = f"sqlite:///{database}"
    assert {k: v for k, v in check_invariants(url).items() if v} == {}
    assert business_fingerprint(url) == business_fingerprint(f"sqlite:///{tryton_sqlite_template}")
