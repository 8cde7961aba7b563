"""Benchmark: ERPKeeper's whole SQLite backup (engine + zstd + AES-256-GCM + SHA-256 + a local
destination with fsync and read-back) against the online backup API alone, in one run.

    .venv/bin/python benchmarks/backup_sqlite.py /path/to/erp.sqlite [--rounds 3]

Build a database first, e.g. the large demo ERP (about 790 MB)::

    erpkeeper demo-erp --size large --db-url sqlite:////tmp/large.sqlite

ERPKeeper runs as a user runs it (``erpkeeper backup run`` in a separate process with a fresh
ERPKEEPER_HOME); its time is the backup's own (manifest start to finish). The reference copies
the database with ``sqlite3.Connection.backup()`` into a file and fsyncs it. Throughput =
database size / time. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ERPKEEPER = [sys.executable, "-m", "erpkeeper"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--level", type=int, help="zstd level (default: the policy's default)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.database.stat().st_size
    print(f"database {args.database}: {size / 1e6:.0f} MB")
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as work:
        work = Path(work)
        home = work / "home"
        cli(home, "manage", "migrate", "-v0")
        cli(
            home,
            "target",
            "add",
            "bench",
            "--db-url",
            f"sqlite:///{args.database.resolve()}",
            "--no-check",
        )
        cli(
            home,
            "backup",
            "policy",
            "bench",
            "--keep-last",
            "1",
            "--keep-daily",
            "0",
            "--keep-weekly",
            "0",
            "--keep-monthly",
            "0",
            "--keep-yearly",
            "0",
            *level_options(args),
        )
        api, ours = [], []
        for _ in range(args.rounds):
            api.append(online_backup_api(args.database, work / "copy.sqlite"))
            ours.append(erpkeeper_backup(home))
    print(f"{'':50} {'best s':>7} {'median s':>9} {'best MB/s':>10}")
    for label, times in (
        ("online backup API into a file (+fsync)", api),
        ("ERPKeeper backup (zstd, AES-256-GCM, SHA-256)", ours),
    ):
        best, middle = min(times), statistics.median(times)
        print(f"{label:50} {best:7.2f} {middle:9.2f} {size / 1e6 / best:10.0f}")
    print(
        f"\nthroughput vs the online backup API: best {min(api) / min(ours):.2f}x, "
        f"median {statistics.median(api) / statistics.median(ours):.2f}x (>= 0.8x)"
    )
    return 0


def level_options(args) -> list[str]:
    return ["--compression-level", str(args.level)] if args.level else []


def cli(home: Path, *argv) -> str:
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    done = subprocess.run(
        [*ERPKEEPER, *argv], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"erpkeeper {' '.join(argv)} failed: {done.stderr.strip()}")
    return done.stdout


def online_backup_api(source: Path, copy: Path) -> float:
    copy.unlink(missing_ok=True)
    start = time.perf_counter()
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src:
        dst = sqlite3.connect(copy)
        src.backup(dst)
        dst.close()
    with open(copy, "rb") as handle:
        os.fsync(handle.fileno())
    seconds = time.perf_counter() - start
    copy.unlink()
    return seconds


def erpkeeper_backup(home: Path) -> float:
    cli(home, "backup", "run", "bench")
    rows = json.loads(cli(home, "--json", "backup", "list", "bench", "--status", "succeeded"))
    manifest = json.loads(cli(home, "--json", "backup", "show", str(rows[0]["id"])))["manifest"]
    return (
        datetime.fromisoformat(manifest["finished"]) - datetime.fromisoformat(manifest["started"])
    ).total_seconds()


if __name__ == "__main__":
    sys.exit(main())
