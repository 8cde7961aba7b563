"""Benchmark: the performance advisor on a MariaDB database with a workload of its own (issue 13).

    .venv/bin/python benchmarks/performance_proof_mariadb.py [--server mysql://root@host:port/mysql]
        [--lines 100000]

Without ``--server`` it starts a private MariaDB from the machine's binaries with
performance_schema on (tests/fixtures/mariadb.py), since a server's performance_schema cannot be
switched on without a restart. In it: a database ``ek_bench_perf_maria`` with ``sale_sale`` and
``sale_line`` (``--lines`` lines), the report "lines of a product shipped in a month" run 200
times and again while the checks run. Then, as a user would in a fresh ERPKEEPER_HOME with the
``erpkeeper`` command: ``target add --kind database``, ``perf check``, ``perf suggestions``,
``backup run`` and ``perf prove``, which times the report on a copy restored from that backup
before and after the index. Prints the times, the suggestion and the proof's medians and
speed-up. Not part of the test suite; the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.mariadb import (  # noqa: E402
    PrivateMariadb,
    SalesReport,
    build_sales,
    connect,
    run_report,
)

ERPKEEPER = [sys.executable, "-m", "erpkeeper"]
DATABASE = "ek_bench_perf_maria"


def cli(home: Path, *argv) -> str:
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    done = subprocess.run(
        [*ERPKEEPER, *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"erpkeeper {' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def bench(server_url: str, lines: int) -> int:
    with connect(server_url) as conn:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")
        conn.cursor().execute(f"CREATE DATABASE `{DATABASE}` CHARACTER SET utf8mb4")
    url = server_url.rsplit("/", 1)[0] + "/" + DATABASE
    try:
        started = time.monotonic()
        build_sales(url, lines)
        print(f"built {lines} sale lines in {time.monotonic() - started:.1f} s")
        run_report(url, 200)
        return advise_and_prove(url)
    finally:
        with connect(server_url) as conn:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{DATABASE}`")


def advise_and_prove(url: str) -> int:
    with tempfile.TemporaryDirectory(prefix="ek-perf-") as work:
        home = Path(work) / "home"
        cli(home, "manage", "migrate", "-v0")
        cli(home, "target", "add", "bench", "--kind", "database", "--db-url", url)
        with SalesReport(url) as load:
            started = time.monotonic()
            cli(home, "perf", "check", "bench")
            wall = time.monotonic() - started
        job = json.loads(cli(home, "--json", "job", "list"))[0]
        print(f"perf check: {wall:.1f} s wall incl. start-up (report ran {load.calls} more times)")
        print(f"check job: {job.get('duration')}")
        findings = json.loads(cli(home, "--json", "perf", "findings", "bench"))
        print(f"findings: {sorted({f['check'] for f in findings})}")
        suggestions = json.loads(cli(home, "--json", "perf", "suggestions", "bench"))
        wanted = [s for s in suggestions if s["table"] == "sale_line"]
        if not wanted:
            print("no suggestion for sale_line:", suggestions)
            return 1
        print(f"suggestion {wanted[0]['id']}: {wanted[0]['ddl']}")
        started = time.monotonic()
        cli(home, "backup", "run", "bench")
        print(f"backup: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        job = json.loads(cli(home, "--json", "perf", "prove", str(wanted[0]["id"])))
        print(f"proof (restore + timing + drop): {time.monotonic() - started:.1f} s")
        proof = json.loads(cli(home, "--json", "perf", "proof", str(job["result"]["proof_id"])))
        keys = ("status", "error", "before_ms", "after_ms", "before_median_ms", "after_median_ms")
        keys += ("speedup", "helps", "index_bytes", "plan_before", "plan_after")
        print(json.dumps({k: proof.get(k) for k in keys}, indent=2))
        return 0 if proof["speedup"] and proof["speedup"] >= 10 else 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="root URL of a MariaDB with performance_schema on")
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        server = args.server or stack.enter_context(PrivateMariadb()).url
        return bench(server, args.lines)


if __name__ == "__main__":
    raise SystemExit(main())
