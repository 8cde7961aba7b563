"""The service desk's report with 100,000 tickets (and 250,000 messages) over a year.

    .venv/bin/python benchmarks/servicedesk_reports.py --database sqlite
    .venv/bin/python benchmarks/servicedesk_reports.py --database postgresql

Fills a year of tickets with first responses, resolutions, due times, reopenings and ratings
(bulk inserts: this measures the report, not the desk's services), then builds the report of
the last 30 days, of a quarter and of the year through ``GET /api/v1/servicedesk/reports/``
(whole stack) 10 times each and prints the median and the slowest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servicedesk_list import configure  # noqa: E402  (the list benchmark's database set-up)

TICKETS = 100_000
ROUNDS = 10
PERIODS = {"last 30 days": 30, "last quarter": 91, "last year": 365}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=TICKETS)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-reports-"))
    drop = configure(args.database, home)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        token = fill(args.tickets)
        measure(args.database, token)
    finally:
        from django.db import connections

        connections.close_all()
        drop()


def fill(count: int) -> str:
    from django.db import connection, transaction

    from erpkeeper.accounts import services as accounts
    from erpkeeper.accounts.roles import Role
    from erpkeeper.servicedesk.models import Queue, Ticket, TicketMessage

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
            batch = Ticket.objects.bulk_create(
                ticket(n, randomly, now, queues, agents)
                for n in range(offset, min(offset + 5000, count))
            )
            TicketMessage.objects.bulk_create(m for t in batch for m in messages(t, randomly))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"filled {Ticket.objects.count():,} tickets, {TicketMessage.objects.count():,} messages "
        f"in {time.perf_counter() - started:.0f} s"
    )
    return accounts.create_api_token(agents[0], "bench")[1]


def ticket(n: int, randomly, now, queues, agents):
    from erpkeeper.servicedesk.models import Ticket

    created = now - dt.timedelta(minutes=randomly.randrange(365 * 24 * 60))
    answered = created + dt.timedelta(minutes=randomly.randrange(5, 600))
    resolved = answered + dt.timedelta(minutes=randomly.randrange(10, 5000))
    done = resolved < now and randomly.random() < 0.85
    status = randomly.choice(["resolved", "closed"]) if done else randomly.choice(["new", "open"])
    return Ticket(
        number=f"ERP-{created.year}-{n + 1:06d}",
        subject=f"Ticket {n} about module {n % 40}",
        category=randomly.choice(["question", "error", "access", "data", "change", "other"]),
        erp_module=randomly.choice(["", "sale", "stock", "account", "purchase", "party"]),
        priority=randomly.choice(["p1", "p2", "p3", "p3", "p4", "p4"]),
        status=status,
        queue=randomly.choice(queues),
        assignee=randomly.choice(agents) if randomly.random() < 0.8 else None,
        requester_email=f"user{n % 3000}@example.com",
        created=created,
        first_response_at=answered if answered < now else None,
        first_response_due=created + dt.timedelta(minutes=240),
        resolved_at=resolved if done else None,
        resolution_due=created + dt.timedelta(minutes=2400),
        reopen_count=1 if randomly.random() < 0.06 else 0,
        csat_rating=randomly.randint(1, 5) if done and randomly.random() < 0.4 else None,
        csat_comment="ok" if done and randomly.random() < 0.1 else "",
    )


def messages(ticket, randomly):
    from erpkeeper.servicedesk.models import TicketMessage

    yield TicketMessage(ticket=ticket, body="Help.", from_requester=True, created=ticket.created)
    if ticket.first_response_at:
        for extra in range(randomly.choice([1, 1, 1, 2])):
            yield TicketMessage(
                ticket=ticket,
                body="Answer.",
                via="console",
                created=ticket.first_response_at + dt.timedelta(minutes=extra),
            )


def measure(database: str, token: str) -> None:
    from django.test import Client
    from django.utils import timezone

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    today = timezone.localdate()
    print(f"{database}: {ROUNDS} reports per period")
    for label, days in PERIODS.items():
        query = {"from": (today - dt.timedelta(days=days - 1)).isoformat(), "to": today}
        times = []
        for _round in range(ROUNDS):
            started = time.perf_counter()
            response = client.get("/api/v1/servicedesk/reports/", query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
        resolved = response.json()["reopened"]["resolved"]
        print(
            f"  {label:15} {resolved:>7,} resolved  median {statistics.median(times):7.1f} ms  "
            f"slowest {max(times):7.1f} ms"
        )


if __name__ == "__main__":
    main()
