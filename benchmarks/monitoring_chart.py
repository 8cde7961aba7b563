"""Chart query time: a 7-day range of 100 series, each sampled every 10 s.

    .venv/bin/python benchmarks/monitoring_chart.py --database sqlite
    .venv/bin/python benchmarks/monitoring_chart.py --database postgresql

Six million raw samples would take long to make and are not what a 7-day chart reads: the
script writes what the storage holds after a week instead (1-minute, 10-minute and 1-hour
rollups for 7 days, raw samples for the last 6 hours: about 1.3 M rows), then times
``series_points`` for the 7 days of all 100 series (600 points each) and for the last 6 hours.
Best of 5 runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
SERIES = 100
DAYS = 7
RAW_HOURS = 6
UTC = dt.UTC


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-chart-"))
    drop = configure(args.database, home)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        series_ids, end = fill()
        report(args.database, series_ids, end)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def configure(kind: str, home: Path):
    os.environ["ERPKEEPER_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erpkeeper.settings"
    if kind == "sqlite":
        os.environ["ERPKEEPER_DATABASE_URL"] = f"sqlite:///{home / 'erpkeeper.sqlite3'}"
        return lambda: None
    name = "ek_bench_" + uuid.uuid4().hex[:10]
    psql(f'CREATE DATABASE "{name}"')
    os.environ["ERPKEEPER_DATABASE_URL"] = f"{PG_SERVER}/{name}"
    return lambda: psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_SERVER}/postgres", "-qc", sql], check=True)


def fill() -> tuple[list[int], dt.datetime]:
    from django.db import connection, transaction

    from erpkeeper.monitoring.models import Rollup, Sample, Series
    from erpkeeper.monitoring.services import create_host

    host, _token = create_host("bench")
    Series.objects.bulk_create(
        Series(host=host, metric="bench.load", labels={"n": str(i)}, key=f"bench{i}")
        for i in range(SERIES)
    )
    series_ids = list(Series.objects.values_list("pk", flat=True))
    end = dt.datetime.now(UTC).replace(second=0, microsecond=0)
    start = end - dt.timedelta(days=DAYS)
    started = time.perf_counter()
    with transaction.atomic():
        for resolution in (60, 600, 3600):
            insert(connection, Rollup, rollup_rows(series_ids, start, end, resolution))
        raw_start = end - dt.timedelta(hours=RAW_HOURS)
        insert(connection, Sample, raw_rows(series_ids, raw_start, end))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts = Rollup.objects.count(), Sample.objects.count()
    print(
        f"filled {counts[0]:,} rollups and {counts[1]:,} raw samples in "
        f"{time.perf_counter() - started:.0f} s"
    )
    return series_ids, end


def wave(series_index: int, seconds: float) -> float:
    return 50 + 40 * math.sin(seconds / 3600 + series_index)


def rollup_rows(series_ids, start, end, step):
    stamps = int((end - start).total_seconds()) // step
    for index, series_id in enumerate(series_ids):
        for n in range(stamps):
            moment = start + dt.timedelta(seconds=n * step)
            mean = wave(index, moment.timestamp())
            yield (series_id, step, moment, mean - 5, mean, mean + 5, step // 10)


def raw_rows(series_ids, start, end):
    stamps = int((end - start).total_seconds()) // 10
    for index, series_id in enumerate(series_ids):
        for n in range(stamps):
            moment = start + dt.timedelta(seconds=n * 10)
            yield (series_id, moment, wave(index, moment.timestamp()))


def insert(connection, model, rows) -> None:
    columns = (
        ["series_id", "resolution", "time", "min", "avg", "max", "count"]
        if model._meta.model_name == "rollup"
        else ["series_id", "time", "value"]
    )
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            time_at = columns.index("time")
            cursor.executemany(
                f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})',
                (
                    (*row[:time_at], str(row[time_at].replace(tzinfo=None)), *row[time_at + 1 :])
                    for row in rows
                ),
            )


def report(database: str, series_ids: list[int], end: dt.datetime) -> None:
    from erpkeeper.monitoring.tsdb.query import series_points

    for label, span in (("7 days", dt.timedelta(days=DAYS)), ("6 hours", dt.timedelta(hours=6))):
        best, points = math.inf, {}
        for _run in range(5):
            started = time.perf_counter()
            points = series_points(series_ids, end - span, end, 600)
            best = min(best, time.perf_counter() - started)
        per_series = max(len(p) for p in points.values())
        print(
            f"{database}: series_points, {len(series_ids)} series over {label}: "
            f"{best * 1000:.0f} ms (best of 5), {per_series} points per series"
        )


if __name__ == "__main__":
    main()
