"""Benchmark: 30 daily backups into a deduplicated restic repository against 30 full artifact
backups of the same database, with about 1 % of the sale lines changed each day, in one run.

    .venv/bin/python benchmarks/backup_dedup.py /path/to/demo.sqlite [--days 30] [--share 0.01]

Build the database first, e.g. ``erpkeeper demo-erp --size medium --db-url sqlite:////tmp/m.sqlite``.
The benchmark works on a scratch copy of it (the original is never written). ERPKeeper runs as
a user runs it (``erpkeeper backup run`` in separate processes, fresh ERPKEEPER_HOME, one target
whose policy switches repository kind before each run). Each day: UPDATE a random ``share`` of
``sale_line`` rows (quantity or description, and write_date), then one artifact backup and one
restic backup, in alternating order. Measured:

- storage: the restic repository after all days against one full artifact backup (goal at
  most 1.5x) and against the artifact backups' total;
- backup time (manifest start to finish), medians of days 2.. (the first restic backup fills
  an empty repository) against the artifact backups' (goal at most 1x);
- restore time of the newest backup of each kind, ``--rounds`` times interleaved (goal at most
  1.1x), from the Restore rows' start and finish;
- peak RSS of restic: VmHWM of every restic process, polled from /proc every 50 ms while the
  backups run (goal at most 150 MB). Not wait4's ru_maxrss: for a child forked from a large
  Python process it counts the parent's pages shared until exec (178 MB measured, constant).

With ``--sql-text`` the same days are also dumped as SQL text (``sqlite3 .dump``) into a
second restic repository directly, to show how the stream's shape changes deduplication.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ERPKEEPER = [sys.executable, "-m", "erpkeeper"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--share", type=float, default=0.01, help="rows changed a day (0.01)")
    parser.add_argument("--rounds", type=int, default=3, help="restore rounds")
    parser.add_argument("--sql-text", action="store_true", help="also measure SQL text dumps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    if shutil.which("restic") is None:
        print("restic is not installed (apt-get install restic)")
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="ek-dedup-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        report = run(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


def run(args, work: Path) -> dict:
    rng = random.Random(args.seed)
    database = work / "erp.sqlite"
    shutil.copyfile(args.database, database)
    home = work / "home"
    vault = work / "vault"
    cli(home, "manage", "migrate", "-v0")
    cli(home, "backup", "destination", "add", "vault", "--path", str(vault))
    cli(home, "target", "add", "bench", "--db-url", f"sqlite:///{database}", "--no-check")
    keep = ["--keep-last", str(args.days + 5)] + [
        item
        for rule in ("daily", "weekly", "monthly", "yearly")
        for item in (f"--keep-{rule}", "0")
    ]
    cli(home, "backup", "policy", "bench", "--destination", "vault", "--offsite", "none", *keep)
    sql_repo = work / "sql-text-repo" if args.sql_text else None
    if sql_repo:
        restic_plain(sql_repo, "init")
    rows = {"artifact": [], "restic": []}
    rss = RssPoller()
    rss.start()
    sql_sizes = []
    print(f"database {args.database}: {database.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
    for day in range(args.days):
        if day:
            change_rows(database, args.share, rng)
        order = ["artifact", "restic"] if day % 2 == 0 else ["restic", "artifact"]
        for kind in order:
            rows[kind].append(backup(home, kind))
        if sql_repo:
            sql_sizes.append(sql_text_backup(database, sql_repo))
        print(
            f"day {day + 1}: artifact {rows['artifact'][-1]['seconds']:.2f} s, "
            f"restic {rows['restic'][-1]['seconds']:.2f} s, "
            f"repository {dir_bytes(vault / 'restic') / 1e6:.1f} MB",
            file=sys.stderr,
        )
        partial = {kind: [row["seconds"] for row in rows[kind]] for kind in rows}
        partial["repository_bytes"] = dir_bytes(vault / "restic")
        partial["one_full_bytes"] = rows["artifact"][-1]["stored_bytes"]
        partial["sql_text"] = sql_sizes
        (work / "partial.json").write_text(json.dumps(partial))
    rss.stop()
    restores = measure_restores(home, work, rows, args.rounds)
    return summarize(args, database, vault, rows, restores, rss, sql_sizes)


def change_rows(database: Path, share: float, rng: random.Random) -> None:
    """About ``share`` of the sale lines changed, as users do: quantity or description."""
    with sqlite3.connect(database) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM sale_line")]
        chosen = rng.sample(ids, max(1, int(len(ids) * share)))
        now = dt.datetime.now().isoformat(sep=" ")
        for line_id in chosen:
            if rng.random() < 0.5:
                conn.execute(
                    "UPDATE sale_line SET quantity = quantity + 1, write_date = ? WHERE id = ?",
                    (now, line_id),
                )
            else:
                conn.execute(
                    "UPDATE sale_line SET description = coalesce(description, '') || ' (rev)', "
                    "write_date = ? WHERE id = ?",
                    (now, line_id),
                )


def backup(home: Path, kind: str) -> dict:
    cli(home, "backup", "policy", "bench", "--repository-kind", kind)
    cli(home, "backup", "run", "bench")
    with sqlite3.connect(home / "erpkeeper.sqlite3") as conn:
        backup_id, status, manifest = conn.execute(
            "SELECT id, status, manifest FROM backups_backup ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert status == "succeeded", status
    manifest = json.loads(manifest)
    started = dt.datetime.fromisoformat(manifest["started"])
    finished = dt.datetime.fromisoformat(manifest["finished"])
    return {
        "id": backup_id,
        "seconds": (finished - started).total_seconds(),
        "raw_bytes": manifest["raw_bytes"],
        "stored_bytes": manifest["stored_bytes"],
    }


def measure_restores(home: Path, work: Path, rows: dict, rounds: int) -> dict:
    times = {"artifact": [], "restic": []}
    for index in range(rounds):
        order = ["artifact", "restic"] if index % 2 == 0 else ["restic", "artifact"]
        for kind in order:
            target = work / f"restored-{kind}-{index}.sqlite"
            cli(home, "restore", str(rows[kind][-1]["id"]), "--to", f"sqlite:///{target}")
            times[kind].append(newest_restore_seconds(home))
            target.unlink()
    return times


def newest_restore_seconds(home: Path) -> float:
    """From the Restore row itself (the CLI shows whole seconds only)."""
    with sqlite3.connect(home / "erpkeeper.sqlite3") as conn:
        status, started, finished = conn.execute(
            "SELECT status, started, finished FROM backups_restore ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert status == "succeeded", status
    return (
        dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)
    ).total_seconds()


def summarize(args, database, vault, rows, restores, rss, sql_sizes) -> dict:
    restic_bytes = dir_bytes(vault / "restic")
    artifact_bytes = dir_bytes(vault) - restic_bytes
    one_full = rows["artifact"][-1]["stored_bytes"]
    art_times = [row["seconds"] for row in rows["artifact"]]
    dd_times = [row["seconds"] for row in rows["restic"][1:]] or [rows["restic"][0]["seconds"]]
    report = {
        "database": str(args.database),
        "database_mb": round(database.stat().st_size / 1e6, 1),
        "days": args.days,
        "rows_changed_share": args.share,
        "storage": {
            "one_full_artifact_mb": round(one_full / 1e6, 2),
            "artifacts_total_mb": round(artifact_bytes / 1e6, 2),
            "restic_repository_mb": round(restic_bytes / 1e6, 2),
            "restic_vs_one_full": round(restic_bytes / one_full, 2),
            "restic_vs_artifacts_total": round(restic_bytes / artifact_bytes, 3),
            "goal": "restic_vs_one_full <= 1.5",
        },
        "backup_seconds": {
            "artifact_median": round(statistics.median(art_times), 2),
            "restic_first": round(rows["restic"][0]["seconds"], 2),
            "restic_daily_median": round(statistics.median(dd_times), 2),
            "ratio": round(statistics.median(dd_times) / statistics.median(art_times), 2),
            "goal": "ratio <= 1.0",
        },
        "restore_seconds": {
            "artifact_median": round(statistics.median(restores["artifact"]), 2),
            "restic_median": round(statistics.median(restores["restic"]), 2),
            "ratio": round(
                statistics.median(restores["restic"]) / statistics.median(restores["artifact"]), 2
            ),
            "goal": "ratio <= 1.1",
        },
        "restic_peak_rss_mb": {"proc_vmhwm_polled": round(rss.peak_kb / 1024, 1), "goal": "<= 150"},
    }
    if sql_sizes:
        report["sql_text"] = {
            "first_dump_mb": round(sql_sizes[0]["raw"] / 1e6, 1),
            "repository_mb": round(sql_sizes[-1]["repo"] / 1e6, 2),
            "repository_after_day_1_mb": round(sql_sizes[0]["repo"] / 1e6, 2),
            "vs_first_day": round(sql_sizes[-1]["repo"] / sql_sizes[0]["repo"], 2),
        }
    return report


def sql_text_backup(database: Path, repo: Path) -> dict:
    dump = subprocess.Popen(["sqlite3", str(database), ".dump"], stdout=subprocess.PIPE)
    backup = subprocess.run(
        ["restic", "backup", "--stdin", "--stdin-filename", "/erp.sql", "--json", "-q"],
        stdin=dump.stdout,
        env=restic_env(repo),
        capture_output=True,
        check=True,
    )
    dump.wait()
    summary = [json.loads(line) for line in backup.stdout.splitlines() if line.strip()][-1]
    return {"raw": summary["total_bytes_processed"], "repo": dir_bytes(repo)}


def restic_env(repo: Path) -> dict:
    return {**os.environ, "RESTIC_REPOSITORY": str(repo), "RESTIC_PASSWORD": "benchmark-only"}


def restic_plain(repo: Path, *argv) -> None:
    subprocess.run(["restic", *argv], env=restic_env(repo), check=True, capture_output=True)


class RssPoller:
    """The highest VmHWM (peak resident set) of any restic process seen in /proc."""

    def __init__(self):
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    self.peak_kb = max(self.peak_kb, vm_hwm_kb(pid))


def vm_hwm_kb(pid: str) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    if "\nName:\trestic" not in "\n" + status:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def dir_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


def cli(home: Path, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_TESTING": ""}
    env.pop("ERPKEEPER_BACKUP_KEY_FILE", None)
    result = subprocess.run(
        [*ERPKEEPER, *argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=1800
    )
    if result.returncode != 0:
        raise SystemExit(f"erpkeeper {' '.join(argv)} failed: {result.stderr or result.stdout}")
    return result


if __name__ == "__main__":
    start = time.monotonic()
    code = main()
    print(f"benchmark took {time.monotonic() - start:.0f} s", file=sys.stderr)
    raise SystemExit(code)
