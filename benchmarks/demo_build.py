"""Benchmark: build the demo Tryton ERP at several sizes on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/demo_build.py                      # medium on both engines
    .venv/bin/python benchmarks/demo_build.py --sizes medium large --engines sqlite
    .venv/bin/python benchmarks/demo_build.py --pg-url postgresql://postgres@127.0.0.1:5432 --keep

Prints per build: wall time, the builder's own stage timings, document counts, database size,
and the time to check the integrity invariants. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from erpkeeper.demo import build_demo  # noqa: E402
from erpkeeper.demo.verify import violations  # noqa: E402


def pg_size(server: str, name: str) -> int:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()[0]


def pg_drop(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_one(size: str, engine: str, args, workdir: Path) -> dict:
    name = f"ek_bench_{size}_{os.getpid()}"
    if engine == "sqlite":
        url = f"sqlite:///{workdir / f'{name}.sqlite'}"
    else:
        pg_drop(args.pg_url, name)
        url = f"{args.pg_url}/{name}"
    last = [0.0]

    def progress(done, total, message):
        now = time.monotonic()
        if now - last[0] > 5 or done == total:
            last[0] = now
            print(f"  [{engine} {size}] {done * 100 // total:3d}% {message}", file=sys.stderr)

    started = time.monotonic()
    summary = build_demo(url, size=size, seed=args.seed, progress=progress)
    wall = time.monotonic() - started
    started = time.monotonic()
    broken = violations(url)
    check = time.monotonic() - started
    if engine == "sqlite":
        size_bytes = (workdir / f"{name}.sqlite").stat().st_size
    else:
        size_bytes = pg_size(args.pg_url, name)
    result = {
        "engine": engine,
        "size": size,
        "seconds": round(wall, 1),
        "stages": summary["timings"],
        "sales": summary["sales"]["total"],
        "sale_lines": summary["sale_lines"],
        "purchases": summary["purchases"]["total"],
        "invoices": summary["customer_invoices"]["total"] + summary["supplier_invoices"]["total"],
        "stock_moves": summary["stock_moves"],
        "account_move_lines": summary["account_move_lines"],
        "events": summary["events"],
        "database_mb": round(size_bytes / 1e6, 1),
        "invariants_seconds": round(check, 1),
        "violations": broken,
        "url": url,
    }
    if not args.keep:
        if engine == "sqlite":
            (workdir / f"{name}.sqlite").unlink(missing_ok=True)
        else:
            pg_drop(args.pg_url, name)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["medium"])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="ek-bench-") as tmp:
        workdir = Path(tmp) if not args.keep else Path(tempfile.mkdtemp(prefix="ek-bench-"))
        for size in args.sizes:
            for engine in args.engines:
                result = run_one(size, engine, args, workdir)
                results.append(result)
                print(
                    f"{engine:10} {size:6} {result['seconds']:7.1f} s  "
                    f"sales {result['sales']:>7}  lines {result['sale_lines']:>7}  "
                    f"moves {result['stock_moves']:>7}  events {result['events']:>8}  "
                    f"{result['database_mb']:7.1f} MB  invariants {result['invariants_seconds']} s"
                    f"  {'OK' if not result['violations'] else result['violations']}"
                )
                print(f"           stages: {result['stages']}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if all(not r["violations"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
