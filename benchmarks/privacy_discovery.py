"""Personal-data discovery of a demo ERP on PostgreSQL (issue 17, scale).

    .venv/bin/python benchmarks/privacy_discovery.py \
        postgresql://postgres@127.0.0.1/ek_bench_large [--rounds 3] [--plant 50] [--sample 200]

Target: the large demo (``erpkeeper demo-erp --size large --db-url ...``) scanned with default
sampling in under 60 s and under 300 MB peak RSS; a full scan's speed in MB/s.

1. ``--plant N`` adds N people and N companies with personal data to the database through
   Tryton's own API (tests/fixtures/planted_pii.py; the benchmark database is written to, so
   give it a copy) unless it holds planted data already.
2. Each round runs, interleaved and each in a fresh child process (so that ``ru_maxrss`` is that
   run's peak): the product's sampled scan, the product's full scan, and a reference: a naive
   per-row pass that reads every row of the same columns and runs plain regular expressions
   (no checksum, no numbering plan) on each value, the way a hand-written grep over a dump would.
3. Printed: per run the seconds, peak RSS, bytes read and MB/s, and whether every planted
   column was found; then medians and the median of the per-round ratios reference / sampled.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAIVE = [
    re.compile(r"1[3-9]\d{9}"),
    re.compile(r"0\d{2,3}-?\d{7,8}"),
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
    re.compile(r"\d{17}[\dXx]"),
    re.compile(r"\d{16,19}"),
]
MODES = ("sampled", "full", "naive")


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
    os.environ.setdefault("ERPKEEPER_HOME", tempfile.mkdtemp(prefix="ek-bench-"))
    import django  # noqa: PLC0415  (settings first)

    django.setup()


def child(mode: str, url: str, sample: int) -> dict:
    _django()
    from erpkeeper.governance.privacy import scanner  # noqa: PLC0415
    from erpkeeper.targets.adapters import open_adapter  # noqa: PLC0415
    from tests.fixtures.planted_pii import EXPECTED  # noqa: PLC0415

    started = time.perf_counter()
    with open_adapter("tryton", url) as adapter:
        if mode == "naive":
            values, read, hits = naive_pass(adapter, scanner)
            found_all = None
            findings = hits
        else:
            result = scanner.scan(adapter, sample_size=sample, full=mode == "full")
            values, read, findings = result.values_read, result.bytes_read, len(result.findings)
            found: dict = {}
            for f in result.findings:
                found.setdefault((f.table, f.column), set()).add(f.category)
            found_all = all(cats <= found.get(col, set()) for col, cats in EXPECTED.items())
    seconds = time.perf_counter() - started
    with open_adapter("tryton", url) as adapter:
        table_bytes = tables_size(adapter, scanner)
    return {
        "mode": mode,
        "seconds": round(seconds, 2),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "values": values,
        "mb_read": round(read / 1e6, 1),
        "mb_per_s": round(read / 1e6 / seconds, 2),
        # the heap of the tables read (a full scan reads all of it): the usual "scan speed"
        "table_mb": round(table_bytes / 1e6, 1),
        "table_mb_per_s": round(table_bytes / 1e6 / seconds, 1),
        "findings": findings,
        "planted_found": found_all,
    }


def tables_size(adapter, scanner) -> int:
    """Bytes on disk of the tables a scan reads (PostgreSQL's heap, without indexes)."""
    with adapter.column_reader() as reader:
        tables = list(scanner.plan_columns(adapter, reader))
    total = 0
    for table in tables:
        total += int(adapter.db.scalar("SELECT pg_relation_size(%s::regclass)", (f'"{table}"',)))
    return total


def naive_pass(adapter, scanner) -> tuple[int, int, int]:
    """Every row of every planned column through plain regexes: the reference."""
    values = hits = 0
    with adapter.column_reader() as reader:
        for table, columns in scanner.plan_columns(adapter, reader).items():
            names = [c.column for c in columns]
            for page in reader.scan(table, names):
                for row in page:
                    for _label, value in row.values():
                        values += 1
                        hits += sum(1 for pattern in NAIVE if pattern.search(value))
        read = reader.bytes_read
    return values, read, hits


def plant(url: str, count: int) -> None:
    from erpkeeper.targets.adapters import open_adapter  # noqa: PLC0415
    from tests.fixtures.planted_pii import plant_personal_data  # noqa: PLC0415

    with open_adapter("tryton", url) as adapter:
        already = adapter.db.scalar(
            "SELECT COUNT(*) FROM party_contact_mechanism WHERE value LIKE %s", ("%@example.cn",)
        )
    if already:
        print(f"planted data present already ({already} e-mail addresses)")
        return
    started = time.perf_counter()
    planted = plant_personal_data(url, count)
    print(f"planted {planted.parties} parties in {time.perf_counter() - started:.1f} s")


def run_child(mode: str, url: str, sample: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, url, "--sample", str(sample)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0:
        raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--plant", type=int, default=50)
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--child", choices=MODES)
    args = parser.parse_args(argv)
    if args.child:
        _django()
        print(json.dumps(child(args.child, args.url, args.sample)))
        return 0
    _django()
    if args.plant:
        plant(args.url, args.plant)
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for round_no in range(1, args.rounds + 1):
        for mode in MODES:  # interleaved: a slow moment of the machine hits every mode
            result = run_child(mode, args.url, args.sample)
            runs[mode].append(result)
            print(f"round {round_no} {json.dumps(result)}", flush=True)
    summary = {
        mode: {
            "median_s": statistics.median(r["seconds"] for r in rows),
            "max_rss_mb": max(r["rss_mb"] for r in rows),
            "median_mb_per_s": statistics.median(r["mb_per_s"] for r in rows),
            "median_table_mb_per_s": statistics.median(r["table_mb_per_s"] for r in rows),
            "table_mb": rows[-1]["table_mb"],
            "mb_read": rows[-1]["mb_read"],
            "values": rows[-1]["values"],
        }
        for mode, rows in runs.items()
    }
    ratios = [
        n["seconds"] / s["seconds"] for n, s in zip(runs["naive"], runs["sampled"], strict=True)
    ]
    full_ratios = [
        f["seconds"] / s["seconds"] for f, s in zip(runs["full"], runs["sampled"], strict=True)
    ]
    print(json.dumps(summary, indent=2))
    print(f"median ratio naive per-row regex pass / sampled scan: {statistics.median(ratios):.1f}")
    print(f"median ratio full scan / sampled scan: {statistics.median(full_ratios):.1f}")
    sampled = summary["sampled"]
    ok = sampled["median_s"] < 60 and sampled["max_rss_mb"] < 300
    print(
        f"sampled scan: {sampled['median_s']} s, {sampled['max_rss_mb']} MB peak RSS "
        f"({'within' if ok else 'OVER'} 60 s / 300 MB); full scan "
        f"{summary['full']['median_table_mb_per_s']} MB/s of table data "
        f"({summary['full']['median_mb_per_s']} MB/s of text values)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
