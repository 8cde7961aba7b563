"""Benchmark: the performance advisor on a Tryton demo in PostgreSQL (issue 13, "Scale").

    .venv/bin/python benchmarks/performance_proof.py \\
        postgresql://postgres@127.0.0.1:5432/ek_bench_perf_medium [--runs 5]

Build the database first (the medium demo, about 125 MB in PostgreSQL)::

    erpkeeper demo-erp --size medium --db-url postgresql://postgres@127.0.0.1:5432/ek_bench_perf_medium

As a user would, in a fresh ERPKEEPER_HOME with the ``erpkeeper`` command: while the workload
(tests/fixtures/workload.py: "moves of a product in one week", values taken from the database)
runs in this process, ``perf check`` runs every check; the advisor must list the report and
suggest an index; then ``backup run`` and ``perf prove`` time the report on a restored copy
before and after the index. Prints the check time, the slowest check, the suggestion and the
proof's medians and speed-up. Not part of the test suite; production is never written to.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.workload import Workload, report_query  # noqa: E402

ERPKEEPER = [sys.executable, "-m", "erpkeeper"]


def cli(home: Path, *argv) -> str:
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    done = subprocess.run(
        [*ERPKEEPER, *argv], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"erpkeeper {' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    query = report_query(args.url)
    print(f"workload: {query}")
    with tempfile.TemporaryDirectory(prefix="ek-perf-") as work:
        home = Path(work) / "home"
        cli(home, "manage", "migrate", "-v0")
        cli(home, "target", "add", "bench", "--db-url", args.url, "--no-check")
        with Workload(args.url, query) as load:
            started = time.monotonic()
            cli(home, "perf", "check", "bench")
            wall = time.monotonic() - started
        findings = json.loads(cli(home, "--json", "perf", "findings", "bench"))
        run = json.loads(cli(home, "--json", "job", "list"))[0]
        print(f"perf check: {wall:.1f} s wall incl. start-up (workload ran {load.calls} times)")
        print(f"check job: {run.get('duration')}")
        print(f"findings: {sorted({f['check'] for f in findings})}")
        suggestions = json.loads(cli(home, "--json", "perf", "suggestions", "bench"))
        wanted = [s for s in suggestions if s["table"] == "stock_move"]
        if not wanted:
            print("no suggestion for stock_move:", suggestions)
            return 1
        suggestion = wanted[0]
        print(f"suggestion {suggestion['id']}: {suggestion['ddl']}")
        started = time.monotonic()
        cli(home, "backup", "run", "bench")
        print(f"backup: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        job = json.loads(cli(home, "--json", "perf", "prove", str(suggestion["id"])))
        print(f"proof (restore + timing + drop): {time.monotonic() - started:.1f} s")
        proof_id = str(job["result"]["proof_id"])
        proof = json.loads(cli(home, "--json", "perf", "proof", proof_id))
        print(
            json.dumps(
                {
                    k: proof[k]
                    for k in (
                        "status",
                        "error",
                        "before_ms",
                        "after_ms",
                        "before_median_ms",
                        "after_median_ms",
                        "speedup",
                        "helps",
                        "index_bytes",
                    )
                },
                indent=2,
            )
        )
        return 0 if proof["speedup"] and proof["speedup"] >= 10 else 2


if __name__ == "__main__":
    raise SystemExit(main())
