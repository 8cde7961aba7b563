"""The demo's plans: deterministic, in working hours, every state present (pure Python, fast)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from erpkeeper.demo import catalog
from erpkeeper.demo.bulk import balance_stock, bulk_plans
from erpkeeper.demo.timeline import (
    CORE_PURCHASE_TARGETS,
    CORE_SALE_TARGETS,
    PURCHASE_PHASES,
    SALE_PHASES,
    core_plans,
)

ANCHOR = dt.date(2026, 11, 24)


def fingerprint(plans):
    return [
        (
            p.kind,
            p.party,
            tuple(p.lines),
            p.target,
            tuple(sorted(p.phases.items())),
            tuple(sorted(p.actors.items())),
            p.cancel_at,
        )
        for p in plans
    ]


def test_same_seed_same_plans_other_seed_other_plans():
    _, sales_a, purchases_a = core_plans(1, ANCHOR)
    _, sales_b, purchases_b = core_plans(1, ANCHOR)
    _, sales_c, _ = core_plans(2, ANCHOR)
    assert fingerprint(sales_a + purchases_a) == fingerprint(sales_b + purchases_b)
    assert fingerprint(sales_a) != fingerprint(sales_c)


def test_bulk_plans_are_deterministic_too():
    spec = catalog.SizeSpec(core_sales=0, core_purchases=0, bulk_sales=300, bulk_purchases=40)
    runs = []
    for _ in range(2):
        planner, sales, purchases = core_plans(7, ANCHOR)
        runs.append(fingerprint(bulk_plans(planner, spec, len(sales), len(purchases))[0]))
    assert runs[0] == runs[1]


def test_core_covers_every_state_and_everything_happens_before_the_anchor():
    _, sales, purchases = core_plans(1, ANCHOR)
    end = dt.datetime.combine(ANCHOR, dt.time())
    start = dt.datetime.combine(ANCHOR - dt.timedelta(days=365), dt.time())
    assert len(sales) == len(CORE_SALE_TARGETS)
    assert len(purchases) == len(CORE_PURCHASE_TARGETS)
    assert {p.target for p in sales} >= {
        "done",
        "awaiting_payment",
        "shipped",
        "processing",
        "quotation",
        "draft",
        "cancelled",
    }
    assert {p.target for p in purchases} >= {
        "done",
        "awaiting_payment",
        "received",
        "processing",
        "quotation",
        "draft",
        "cancelled",
    }
    for plan in sales + purchases:
        order = SALE_PHASES if plan.kind == "sale" else PURCHASE_PHASES
        moments = [plan.phases[name] for name in order if name in plan.phases]
        assert moments == sorted(moments), plan
        assert start <= moments[0] and max(moments + [plan.cancel_at or start]) < end


def test_working_hours_pattern_leaves_nights_and_sundays_quiet():
    planner, sales, purchases = core_plans(3, ANCHOR)
    spec = catalog.SizeSpec(core_sales=0, core_purchases=0, bulk_sales=3000, bulk_purchases=0)
    bulk, _ = bulk_plans(planner, spec, len(sales), len(purchases))
    moments = [m for plan in bulk for m in plan.phases.values()]
    hours = Counter(m.hour for m in moments)
    night = sum(hours[h] for h in range(0, 6))
    office = sum(hours[h] for h in range(9, 18))
    assert night * 50 < office
    weekdays = Counter(m.weekday() for m in moments)
    assert weekdays[6] * 10 < weekdays[2]  # Sunday vs Wednesday
    assert weekdays[6] < weekdays[5] < weekdays[2]  # Sunday < Saturday < Wednesday


def test_buyer_with_segregation_of_duties_conflict_books_his_own_invoices():
    _, _, purchases = core_plans(1, ANCHOR)
    done = [p for p in purchases if p.target == "done"]
    assert any(
        p.actors["confirm"] == p.actors["post"] == p.actors["pay"] == catalog.SOD_CONFLICT_LOGIN
        for p in done
    )


def test_bulk_purchases_cover_what_bulk_sales_ship():
    planner, sales, purchases = core_plans(5, ANCHOR)
    spec = catalog.SizeSpec(core_sales=0, core_purchases=0, bulk_sales=2000, bulk_purchases=200)
    bulk_sales, bulk_purchases = bulk_plans(planner, spec, len(sales), len(purchases))
    balance_stock(bulk_sales, bulk_purchases)
    shipped, received = Counter(), Counter()
    for plan in bulk_sales:
        if "ship" in plan.phases:
            shipped.update(dict(plan.lines))
    for plan in bulk_purchases:
        if "receive" in plan.phases:
            for product, quantity in plan.lines:
                received[product] += quantity
    for product, quantity in shipped.items():
        if received[product]:
            assert received[product] >= quantity
