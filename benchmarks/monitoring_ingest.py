"""Server ingest throughput through the real HTTP endpoint.

    .venv/bin/python benchmarks/monitoring_ingest.py --database sqlite
    .venv/bin/python benchmarks/monitoring_ingest.py --database postgresql [--batches 40]

Sets up a fresh platform database (a temporary SQLite file, or a new PostgreSQL database on
127.0.0.1:5432 that is dropped afterwards), serves the WSGI app with waitress in a subprocess as
``erpkeeper up`` does (8 threads), and pushes batches of 5,000 samples from 2 client threads,
one agent host each (250 series x 20 timestamps per batch). The bodies are encoded before the
clock starts: the figure is the server's. Prints samples/s and checks every sample was stored.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
SERIES_PER_BATCH = 250
TIMES_PER_BATCH = 20  # x 250 = 5,000 samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=30, help="per client")
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-ingest-"))
    url, cleanup = database_url(args.database, home)
    env = {**os.environ, "ERPKEEPER_HOME": str(home), "ERPKEEPER_DATABASE_URL": url}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )
        tokens = create_hosts(env, args.clients)
        bodies = {name: make_bodies(name, args.batches) for name in tokens}
        port = free_port()
        server = start_server(env, port)
        try:
            elapsed, accepted = push_all(port, tokens, bodies)
        finally:
            server.terminate()
            server.wait(timeout=10)
        stored = count_samples(env)
        total = args.clients * args.batches * SERIES_PER_BATCH * TIMES_PER_BATCH
        print(
            f"{args.database}: {accepted:,} samples in {elapsed:.2f} s = "
            f"{accepted / elapsed:,.0f} samples/s ({args.clients} clients, batches of 5,000); "
            f"stored {stored:,} of {total:,}"
        )
    finally:
        cleanup()


def database_url(kind: str, home: Path):
    if kind == "sqlite":
        return f"sqlite:///{home / 'erpkeeper.sqlite3'}", lambda: None
    import psycopg

    name = "ek_bench_" + uuid.uuid4().hex[:10]
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{PG_SERVER}/{name}", drop


def create_hosts(env, count: int) -> dict[str, str]:
    code = (
        "import django, json; django.setup()\n"
        "from erpkeeper.monitoring.tsdb.tokens import create_host\n"
        f"names = [f'agent{{i}}' for i in range({count})]\n"
        "print(json.dumps({name: create_host(name)[1] for name in names}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "erpkeeper.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def make_bodies(host: str, batches: int) -> list[bytes]:
    """Batches of distinct (series, time) pairs ending now, one second apart."""
    now = time.time()
    first = now - batches * TIMES_PER_BATCH - 60
    bodies = []
    for seq in range(batches):
        samples = []
        for step in range(TIMES_PER_BATCH):
            moment = first + seq * TIMES_PER_BATCH + step
            for series in range(SERIES_PER_BATCH):
                samples.append(
                    {
                        "metric": f"bench.metric_{series % 25}",
                        "value": (series * 7 + step) % 100 + 0.5,
                        "time": moment,
                        "labels": {"instance": str(series // 25)},
                        "unit": "%",
                    }
                )
        body = {"host": host, "seq": seq + 1, "agent_version": "bench", "samples": samples}
        bodies.append(json.dumps(body).encode())
    return bodies


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env, port: int) -> subprocess.Popen:
    code = (
        "import django; django.setup()\n"
        "from waitress import serve\n"
        "from erpkeeper.wsgi import application\n"
        f"serve(application, host='127.0.0.1', port={port}, threads=8, _quiet=True)"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "erpkeeper.settings"},
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def push_all(port: int, tokens: dict, bodies: dict) -> tuple[float, int]:
    accepted, errors = [], []

    def client(host: str, batch_bodies: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {tokens[host]}", "Content-Type": "application/json"}
        for body in batch_bodies:
            conn.request("POST", "/api/v1/metrics/ingest/", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 202:
                errors.append(f"{response.status} {answer[:200]!r}")
                return
            accepted.append(json.loads(answer)["accepted"])

    # One batch per host first (imports, connections, series creation), outside the timing.
    run_clients(client, {host: batches[:1] for host, batches in bodies.items()})
    accepted.clear()
    started = time.perf_counter()
    run_clients(client, {host: batches[1:] for host, batches in bodies.items()})
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"ingest failed: {errors[0]}")
    return elapsed, sum(accepted)


def run_clients(client, work: dict) -> None:
    threads = [threading.Thread(target=client, args=item) for item in work.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def count_samples(env) -> int:
    code = (
        "import django; django.setup()\n"
        "from erpkeeper.monitoring.models import Sample\n"
        "print(Sample.objects.count())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "erpkeeper.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return int(out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
