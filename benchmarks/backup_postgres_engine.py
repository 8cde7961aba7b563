"""Benchmark: the PostgreSQL backup engine against pg_dump and pg_restore alone.

    .venv/bin/python benchmarks/backup_postgres_engine.py postgresql://postgres@127.0.0.1/db \\
        [--jobs 2] [--rounds 1]

Dump: (a) ``pg_dump -Fp | zstd -3 -T2 > /dev/null``, (b) ``pg_dump -Fc -f file``, (c) the
engine's dump into a sink that discards the bytes (the engine alone: the backup pipeline adds
compression and encryption). Restore into new databases on the same server: (d) ``pg_restore
-j2`` of (b), (e) the engine's restore from its artifacts in files. Prints seconds (best of the
rounds, rounds interleaved), MB/s of the database size and the ratios the product promises:
(c) >= 0.9x (a) and >= 3x (b) in throughput; (e) close to (d). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from erpkeeper.backups.engines.postgresql import PostgresqlEngine  # noqa: E402


class Discard:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class DiscardSink:
    def open(self, name: str) -> Discard:
        return Discard()


class FileSink:
    def __init__(self, root: Path):
        self.root = root

    def open(self, name: str):
        return open(self.root / name, "wb")  # noqa: SIM115 (the engine closes it)


class FileSource(FileSink):
    def open(self, name: str):
        return open(self.root / name, "rb")  # noqa: SIM115 (the engine closes it)


def no_progress(done: int, message: str) -> None:
    pass


def server_url(url: str, database: str) -> str:
    return f"{url.rsplit('/', 1)[0]}/{database}"


def database_size(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def drop_database(url: str) -> None:
    with psycopg.connect(server_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def pg_dump_plain_zstd(url: str, workdir: Path) -> None:
    with subprocess.Popen(["pg_dump", "-Fp", f"--dbname={url}"], stdout=subprocess.PIPE) as dump:
        subprocess.run(
            ["zstd", "-3", "-T2", "-q", "-c"],
            stdin=dump.stdout,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        dump.stdout.close()
    if dump.returncode:
        raise SystemExit("pg_dump failed")


def pg_dump_custom(url: str, workdir: Path) -> None:
    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(workdir / "custom.dump"), f"--dbname={url}"], check=True
    )


def engine_dump(url: str, workdir: Path, jobs: int) -> None:
    PostgresqlEngine(url).dump(DiscardSink(), no_progress, jobs=jobs)


def pg_restore(url: str, workdir: Path, jobs: int) -> None:
    copy = server_url(url, "ek_bench_" + uuid.uuid4().hex[:8])
    try:
        with psycopg.connect(server_url(url, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{copy.rsplit("/", 1)[1]}" TEMPLATE template0')
        subprocess.run(
            ["pg_restore", f"-j{jobs}", f"--dbname={copy}", str(workdir / "custom.dump")],
            check=True,
        )
    finally:
        drop_database(copy)


def engine_restore(url: str, workdir: Path, jobs: int, artifacts: list[str]) -> dict:
    copy = server_url(url, "ek_bench_" + uuid.uuid4().hex[:8])
    try:
        result = PostgresqlEngine(url).restore(
            FileSource(workdir / "engine"), artifacts, copy, no_progress, jobs=jobs
        )
    finally:
        drop_database(copy)
    return result.details["seconds"]


def checkpoint(url: str) -> None:
    """Flush what the previous run wrote, so that it does not slow down the next one."""
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("CHECKPOINT")
        except psycopg.errors.InsufficientPrivilege:
            print("(not allowed to CHECKPOINT: runs may slow each other down)")


def timed(run, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = run(*args)
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="PostgreSQL URL of the database to measure")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    url, jobs = args.url, args.jobs
    size = database_size(url)
    print(
        f"database: {size / 1e6:.1f} MB, jobs {jobs}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    best: dict[str, float] = {}
    phases: dict = {}
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "engine").mkdir()
        artifacts = (
            PostgresqlEngine(url)
            .dump(FileSink(workdir / "engine"), no_progress, jobs=jobs)
            .artifacts
        )
        runs = {
            "(a) pg_dump -Fp | zstd -3 -T2": lambda: pg_dump_plain_zstd(url, workdir),
            "(b) pg_dump -Fc": lambda: pg_dump_custom(url, workdir),
            "(c) engine dump": lambda: engine_dump(url, workdir, jobs),
            f"(d) pg_restore -j{jobs}": lambda: pg_restore(url, workdir, jobs),
            "(e) engine restore": lambda: engine_restore(url, workdir, jobs, artifacts),
        }
        for _round in range(args.rounds):
            for label, run in runs.items():
                checkpoint(url)
                seconds, value = timed(run)
                if seconds < best.get(label, float("inf")):
                    best[label] = seconds
                    if isinstance(value, dict):
                        phases[label] = value
    for label, seconds in best.items():
        extra = f"   phases {phases[label]}" if label in phases else ""
        print(f"{label:34} {seconds:8.2f} s {size / 1e6 / seconds:9.1f} MB/s{extra}")
    a, b, c, d, e = best.values()
    print(f"engine dump throughput vs (a): {a / c:.2f}x (promise >= 0.9x)")
    print(f"engine dump throughput vs (b): {b / c:.2f}x (promise >= 3x)")
    print(f"engine restore speed vs (d):   {d / e:.2f}x (promise: close to 1x)")


if __name__ == "__main__":
    main()
