"""The storage tests again with the platform database on PostgreSQL, where ingest uses
``unnest`` and the chart buckets another SQL expression than on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
SUITES = ["tests/monitoring/test_ingest.py", "tests/monitoring/test_storage.py"]


def test_ingest_rollups_queries_and_metrics_on_postgresql(postgres_database, tmp_path):
    env = {
        **os.environ,
        "ERPKEEPER_DATABASE_URL": postgres_database,
        "ERPKEEPER_HOME": str(tmp_path),
        "ERPKEEPER_TESTING": "true",
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
        + SUITES,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout
