"""Benchmark: the SQLite backup engine against SQLite's online backup API alone.

    .venv/bin/python benchmarks/backup_sqlite_engine.py path/to/db.sqlite [--repeat 5] [--wal]

(a) ``sqlite3`` ``backup()`` in one step into a temporary file (what any SQLite backup costs),
(b) ``SqliteEngine.dump`` into a sink that discards the bytes (no compression or encryption:
the engine's own cost, row counts included). ``--wal`` runs both on a WAL-mode copy of the
database, where the engine stages a snapshot itself. Prints the best and median time of each,
MB/s of the database size, and the ratio engine/backup. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from erpkeeper.backups.engines.sqlite import SqliteEngine  # noqa: E402


class Discard:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


class DiscardSink:
    def open(self, name: str) -> Discard:
        return Discard()


def online_backup(path: Path, workdir: Path) -> None:
    target = workdir / "backup.sqlite"
    with (
        contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    target.unlink()


def engine_dump(path: Path, workdir: Path) -> None:
    SqliteEngine(str(path)).dump(DiscardSink(), lambda done, message: None)


def timings(run, path: Path, workdir: Path, repeat: int) -> list[float]:
    results = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(path, workdir)
        results.append(time.perf_counter() - started)
    return results


def wal_copy(path: Path, workdir: Path) -> Path:
    copy = workdir / "wal-copy.sqlite"
    shutil.copyfile(path, copy)
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wal", action="store_true", help="measure on a WAL-mode copy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        workdir = Path(tmp)
        path = wal_copy(args.database, workdir) if args.wal else args.database.resolve()
        megabytes = path.stat().st_size / 1e6
        print(
            f"{path.name}: {megabytes:.1f} MB, sqlite {sqlite3.sqlite_version}, "
            f"best/median of {args.repeat}"
        )
        best = {}
        for label, run in (("online backup API", online_backup), ("engine dump", engine_dump)):
            run(path, workdir)  # warm the page cache
            times = timings(run, path, workdir, args.repeat)
            best[label] = min(times)
            print(
                f"  {label:18} {min(times) * 1000:8.1f} ms / {statistics.median(times) * 1000:8.1f}"
                f" ms   {megabytes / min(times):8.0f} MB/s"
            )
        ratio = best["engine dump"] / best["online backup API"]
        print(f"  engine / backup API: {ratio:.2f}x the time")


if __name__ == "__main__":
    main()
