"""The reports' hand-built history (see tests/servicedesk/test_reports.py for the table): a
fixture, and the helpers that make tickets at given moments through the desk's services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Ticket

NOW = (2026, 11, 30, 12, 0)


def at(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def opened(when, category="other", module="", high=False, **fields):
    level = "high" if high else "low"
    return services.open_ticket(
        subject=f"Ticket of {when:%d %b}",
        body="Help, please.",
        requester_name="Li Na",
        category=category,
        erp_module=module,
        impact=level,
        urgency="high" if high else "medium",
        now=when,
        **fields,
    )


def answer(ticket, agent, when):
    services.reply(ticket, "Done on our side.", author=agent, now=when)


def resolve(ticket, when):
    services.change_status(Ticket.objects.get(pk=ticket.pk), "resolved", now=when)


@pytest.fixture
def history(desk, helen, olga):
    t6 = opened(at(10, 20, 9), "data")
    services.assign(t6, helen)
    answer(t6, helen, at(10, 20, 9, 20))
    resolve(t6, at(11, 1, 8))
    services.rate(Ticket.objects.get(pk=t6.pk), 4)

    t1 = opened(at(11, 2, 9), "question", "sale")
    services.assign(t1, helen)
    answer(t1, helen, at(11, 2, 9, 30))
    resolve(t1, at(11, 2, 12))
    services.rate(Ticket.objects.get(pk=t1.pk), 5, "Quick and clear")

    t2 = opened(at(11, 3, 9), "error", "stock")
    services.assign(t2, helen)
    answer(t2, helen, at(11, 3, 11))
    answer(t2, helen, at(11, 3, 15))
    resolve(t2, at(11, 4, 9))
    services.rate(Ticket.objects.get(pk=t2.pk), 2, "Too slow")

    t3 = opened(at(11, 5, 9), "error", "stock", high=True, requester_email="li@example.com")
    services.assign(t3, olga)
    answer(t3, olga, at(11, 5, 9, 10))
    resolve(t3, at(11, 5, 10))
    services.reply(t3, "It is back.", author_email="li@example.com", now=at(11, 6, 9))
    resolve(t3, at(11, 6, 10))

    t4 = opened(at(11, 10, 9), "access")
    services.assign(t4, helen)
    t7 = opened(at(11, 12, 9), "access")
    services.merge(t7, t4)

    opened(at(11, 26, 12), "error", "stock")  # T9
    t5 = opened(at(11, 29, 14), "question", "sale")
    answer(t5, helen, at(11, 29, 14, 30))
    services.change_status(Ticket.objects.get(pk=t5.pk), "waiting", now=at(11, 29, 14, 30))

    t8 = opened(at(9, 15, 9))
    services.assign(t8, helen)
