"""Benchmark: ERPKeeper's whole backup and restore (engine + zstd + AES-256-GCM + SHA-256 +
a local destination with fsync and read-back) against pg_dump and pg_restore, in one run.

    .venv/bin/python benchmarks/backup_restore_postgres.py \\
        postgresql://postgres@127.0.0.1:5432/ek_bench_large [--rounds 5]

Build the database first (the large demo ERP, about 1.7 GB in PostgreSQL)::

    erpkeeper demo-erp --size large --db-url postgresql://postgres@127.0.0.1:5432/ek_bench_large

ERPKeeper runs as a user would run it (``erpkeeper backup run`` and ``erpkeeper restore`` in a
separate process, a fresh ERPKEEPER_HOME); its times are the backup's and the restore's own
(from the rows: started to finished), its peak RSS is sampled every 20 ms. The references:
(a) ``pg_dump -Fp | zstd -3 -T2 > /dev/null``, (b) ``pg_dump -Fc -f file``, (d) ``pg_restore -j2``
of (b) into a new database. Throughput = database size / time. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
ERPKEEPER = [sys.executable, "-m", "erpkeeper"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--level", type=int, help="zstd level (default: the policy's default)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    size = database_bytes(args.url)
    print(f"database {args.url.rsplit('/', 1)[1]}: {size / 1e6:.0f} MB")
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as work:
        work = Path(work)
        home = prepare_home(work, args.url, level_options(args))
        results = {
            name: []
            for name in ("plain_zstd", "custom", "erpkeeper", "pg_restore", "erpkeeper_restore")
        }
        peaks = []
        for _ in range(args.rounds):
            results["plain_zstd"].append(pg_dump_plain_zstd(args.url))
            dump_file = work / "db.dump"
            results["custom"].append(pg_dump_custom(args.url, dump_file))
            seconds, peak, backup_id = erpkeeper_backup(home)
            results["erpkeeper"].append(seconds)
            peaks.append(peak)
            results["pg_restore"].append(pg_restore_j2(args.url, dump_file))
            results["erpkeeper_restore"].append(erpkeeper_restore(home, args.url, backup_id))
            dump_file.unlink()
        report(size, results, max(peaks))
    return 0


def database_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def prepare_home(work: Path, url: str, level: list[str]) -> Path:
    home = work / "home"
    cli(home, "manage", "migrate", "-v0")
    cli(home, "target", "add", "bench", "--db-url", url, "--no-check")
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
        *level,
    )
    return home


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


def timed(command: str) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True)
    return time.perf_counter() - start


def pg_dump_plain_zstd(url: str) -> float:
    return timed(f"pg_dump -Fp '{url}' | zstd -3 -T2 -q > /dev/null")


def pg_dump_custom(url: str, path: Path) -> float:
    return timed(f"pg_dump -Fc -f '{path}' '{url}'")


def pg_restore_j2(url: str, dump: Path) -> float:
    target = new_database(url)
    try:
        return timed(f"pg_restore -j2 --no-owner -d '{target}' '{dump}'")
    finally:
        drop_database(url, target)


def erpkeeper_backup(home: Path) -> tuple[float, float, int]:
    env = {**os.environ, "ERPKEEPER_HOME": str(home)}
    process = subprocess.Popen(
        [*ERPKEEPER, "backup", "run", "bench"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = PeakRss(process.pid)
    peak.start()
    _, err = process.communicate()
    peak.stop()
    if process.returncode != 0:
        raise SystemExit(f"backup failed: {err.decode().strip()}")
    newest = json.loads(cli(home, "--json", "backup", "show", str(newest_backup_id(home))))
    return backup_seconds(home, newest["id"]), peak.peak_mb, newest["id"]


def newest_backup_id(home: Path) -> int:
    rows = json.loads(cli(home, "--json", "backup", "list", "bench", "--status", "succeeded"))
    return rows[0]["id"]


def backup_seconds(home: Path, backup_id: int) -> float:
    data = json.loads(cli(home, "--json", "backup", "show", str(backup_id)))
    manifest = data["manifest"]
    from datetime import datetime

    return (
        datetime.fromisoformat(manifest["finished"]) - datetime.fromisoformat(manifest["started"])
    ).total_seconds()


def erpkeeper_restore(home: Path, url: str, backup_id: int) -> float:
    target = new_database(url, create=False)
    try:
        cli(home, "restore", str(backup_id), "--to", target)
        return newest_restore_seconds(home)
    finally:
        drop_database(url, target)


def newest_restore_seconds(home: Path) -> float:
    """The restore's own time from its row, to the microsecond (the CLI shows whole seconds,
    too coarse against a 15-second pg_restore)."""
    code = (
        "import django; django.setup()\n"
        "from erpkeeper.backups.models import Restore\n"
        "r = Restore.objects.latest('pk')\n"
        "print(r.status, (r.finished - r.started).total_seconds())"
    )
    env = {
        **os.environ,
        "ERPKEEPER_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "erpkeeper.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    if out[0] != "succeeded":
        raise SystemExit(f"restore {out[0]}")
    return float(out[1])


def new_database(url: str, create: bool = True) -> str:
    name = "ek_bench_restore_" + uuid.uuid4().hex[:8]
    if create:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str, target: str) -> None:
    name = target.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PeakRss(threading.Thread):
    """Peak resident memory of one process (not its children: pg_dump is measured apart)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak_mb = 0.0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                rss = self.process.memory_info().rss
            except psutil.Error:
                return
            self.peak_mb = max(self.peak_mb, rss / 1e6)
            time.sleep(0.02)

    def stop(self) -> None:
        self.running = False
        self.join()


def report(size: int, results: dict[str, list[float]], peak_mb: float) -> None:
    """Each time as best and median of the rounds; the ratios of the bests, then of the
    medians (a round's own ratio is as noisy as the machine)."""
    best = {name: min(values) for name, values in results.items()}
    middle = {name: statistics.median(values) for name, values in results.items()}
    rows = [
        ("(a) pg_dump -Fp | zstd -3 -T2", "plain_zstd"),
        ("(b) pg_dump -Fc", "custom"),
        ("(c) ERPKeeper backup (zstd, AES-256-GCM, SHA-256, fsync)", "erpkeeper"),
        ("(d) pg_restore -j2 of (b)", "pg_restore"),
        ("(e) ERPKeeper restore", "erpkeeper_restore"),
    ]
    print(f"{'':60} {'best s':>7} {'median s':>9} {'best MB/s':>10}")
    for label, name in rows:
        print(f"{label:60} {best[name]:7.2f} {middle[name]:9.2f} {size / 1e6 / best[name]:10.0f}")
    print()
    for title, times in (("best", best), ("median", middle)):
        print(
            f"{title:6}  backup vs (a) {times['plain_zstd'] / times['erpkeeper']:.2f}x (>= 0.9x)"
            f"  backup vs (b) {times['custom'] / times['erpkeeper']:.2f}x (>= 3x)"
            f"  restore vs (d) {times['erpkeeper_restore'] / times['pg_restore']:.2f}x (<= 1.1x)"
        )
    print(f"peak RSS of the backup process: {peak_mb:.0f} MB (<= 150 MB)")


if __name__ == "__main__":
    sys.exit(main())
