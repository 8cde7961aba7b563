"""The agent's ticket list through the API with 100,000 tickets, filtered and sorted.

    .venv/bin/python benchmarks/servicedesk_list.py --database sqlite
    .venv/bin/python benchmarks/servicedesk_list.py --database postgresql

Fills 100,000 tickets over a year (5 queues, 10 agents; 45 % closed, 20 % resolved, the rest
new, open or waiting, with SLA states), then requests each list an agent uses 60 times through
the whole stack (token authentication, permissions, FilterSet, pagination with its count,
serialisation of a 50-row page) and prints the median and p95 per list.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
TICKETS = 100_000
ROUNDS = 60
LISTS = {
    "active, by priority (the desk's default)": "?active=true",
    "one queue, active, newest first": "?queue=Queue%202&active=true&ordering=-created",
    "due soon or breached": "?sla=warning,breached&ordering=priority",
    "one agent's active tickets": "?assignee=agent3&active=true",
    "P1 and P2, recently updated": "?priority=p1,p2&ordering=-updated",
    "search by number": "?search=ERP-2026-0500",
    "page 20 of all tickets": "?offset=1000",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-desk-"))
    drop = configure(args.database, home)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        token = fill(args.tickets)
        report(args.database, token)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def configure(kind: str, home: Path):
    os.environ["ERPKEEPER_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erpkeeper.settings"
    os.environ["ERPKEEPER_ALLOWED_HOSTS"] = "testserver"
    if kind == "sqlite":
        os.environ["ERPKEEPER_DATABASE_URL"] = f"sqlite:///{home / 'erpkeeper.sqlite3'}"
        return lambda: None
    name = "ek_bench_" + uuid.uuid4().hex[:10]
    psql(f'CREATE DATABASE "{name}"')
    os.environ["ERPKEEPER_DATABASE_URL"] = f"{PG_SERVER}/{name}"
    return lambda: psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psql(sql: str) -> None:
    subprocess.run(["psql", f"{PG_SERVER}/postgres", "-qc", sql], check=True)


def fill(count: int) -> str:
    from django.db import connection, transaction

    from erpkeeper.accounts import services as accounts
    from erpkeeper.accounts.roles import Role
    from erpkeeper.servicedesk.models import Queue, Ticket

    agents = [
        accounts.create_user(f"agent{i}", f"agent{i}@example.com", Role.HELPDESK_AGENT)[0]
        for i in range(10)
    ]
    queues = [Queue.objects.create(name=f"Queue {i}") for i in range(5)]
    started = time.perf_counter()
    randomly = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    with transaction.atomic():
        for offset in range(0, count, 5000):
            Ticket.objects.bulk_create(
                ticket(n, randomly, now, queues, agents)
                for n in range(offset, min(offset + 5000, count))
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"filled {Ticket.objects.count():,} tickets in {time.perf_counter() - started:.0f} s")
    return accounts.create_api_token(agents[0], "bench")[1]


def ticket(n: int, randomly, now, queues, agents):
    from erpkeeper.servicedesk.models import Ticket

    created = now - dt.timedelta(minutes=randomly.randrange(365 * 24 * 60))
    roll = randomly.random()
    status = (
        "closed"
        if roll < 0.45
        else "resolved"
        if roll < 0.65
        else randomly.choice(["new", "open", "open", "waiting"])
    )
    active = status in ("new", "open", "waiting")
    sla = (
        randomly.choice(["running", "running", "warning", "breached", "paused"])
        if active
        else (randomly.choice(["met", "met", "met", "breached"]))
    )
    return Ticket(
        number=f"ERP-{created.year}-{n + 1:06d}",
        subject=f"Ticket {n} about module {n % 40}",
        category=randomly.choice(["question", "error", "access", "data", "change", "other"]),
        impact=randomly.choice(["high", "medium", "low"]),
        urgency=randomly.choice(["high", "medium", "low"]),
        priority=randomly.choice(["p1", "p2", "p3", "p3", "p4", "p4"]),
        status=status,
        queue=randomly.choice(queues),
        assignee=randomly.choice(agents) if randomly.random() < 0.8 else None,
        requester_email=f"user{n % 3000}@example.com",
        created=created,
        updated=created + dt.timedelta(hours=randomly.randrange(1, 200)),
        sla_clock="resolution",
        sla_status=sla,
        sla_due=created + dt.timedelta(hours=8),
        sla_warn_at=created + dt.timedelta(hours=6, minutes=24),
    )


def report(database: str, token: str) -> None:
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    print(f"{database}: {ROUNDS} requests per list, 50 rows a page")
    for label, query in LISTS.items():
        times = []
        for _round in range(ROUNDS):
            started = time.perf_counter()
            response = client.get("/api/v1/tickets/" + query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        total = response.json()["count"]
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"  {label:45} {total:>7,} rows  median {statistics.median(times):6.1f} ms  "
            f"p95 {p95:6.1f} ms"
        )


if __name__ == "__main__":
    main()
