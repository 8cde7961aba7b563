"""The fast bulk path: thousands of documents cloned from the realistic core with SQL.

Clicking a sale through Tryton costs about a second of CPU, so medium and large demos
cannot go through the ORM. Instead every bulk document copies the rows that Tryton itself
wrote for a core document in the same final state (``templates``, ``cloner``) and changes
what differs. Afterwards all numbers are given again in time order (``renumber``).
"""

from __future__ import annotations

import math
from collections import defaultdict

from erpkeeper.demo.cloner import Clone, Context, Writer
from erpkeeper.demo.finalize import is_postgres
from erpkeeper.demo.renumber import add_journal_periods, renumber
from erpkeeper.demo.templates import Reader, Template, TemplateError, template_key
from erpkeeper.demo.timeline import Plan

CHUNK = 1000


# --- the plans -----------------------------------------------------------------------------
def bulk_plans(planner, spec, core_sales: int, core_purchases: int):
    sales = []
    for i in range(spec.bulk_sales):
        sales.append(planner.sale(core_sales + i, planner.bulk_target("sale")))
    purchases = []
    for i in range(spec.bulk_purchases):
        purchases.append(planner.purchase(core_purchases + i, planner.bulk_target("purchase")))
    balance_stock(sales, purchases)
    return sales, purchases


def balance_stock(sales: list[Plan], purchases: list[Plan]) -> None:
    """Size the received purchase lines so that bulk purchases cover what bulk sales ship."""
    shipped = defaultdict(int)
    for plan in sales:
        if "ship" in plan.phases:
            for product, quantity in plan.lines:
                shipped[product] += quantity
    received = defaultdict(list)
    for plan in purchases:
        if "receive" in plan.phases:
            for n, (product, _quantity) in enumerate(plan.lines):
                received[product].append((plan, n))
    for product, slots in received.items():
        if not shipped.get(product):
            continue
        each = max(1, math.ceil(shipped[product] * 1.05 / len(slots)))
        for plan, n in slots:
            plan.lines[n] = (product, each)


# --- entry point -------------------------------------------------------------------------------
def run(database_name: str, planner, flows, spec, core: list[Plan], progress=None) -> dict:
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(database_name)
    core_sales = sum(1 for plan in core if plan.kind == "sale")
    core_purchases = len(core) - core_sales
    sales, purchases = bulk_plans(planner, spec, core_sales, core_purchases)
    plans = sorted(sales + purchases, key=lambda plan: plan.created)
    with Transaction().start(database_name, 0) as transaction:
        postgres = is_postgres(transaction)
        cursor = transaction.connection.cursor()
        reader = Reader(cursor, postgres)
        templates: dict[tuple[str, str], Template] = {}
        for plan in core:
            key = (plan.kind, template_key(plan))
            if key in templates:
                continue
            state = flows.docs.get((plan.kind, plan.index))
            if not state or not state.record:
                continue
            try:
                templates[key] = Template(reader, plan.kind, state.record, plan)
            except TemplateError:
                continue
        ctx = Context(reader, flows.master)
        writer = Writer(cursor, transaction.database, transaction.connection, postgres)
        missing = defaultdict(int)
        for number, plan in enumerate(plans, 1):
            template = templates.get((plan.kind, template_key(plan)))
            if template is None:
                missing[f"{plan.kind}:{template_key(plan)}"] += 1
                continue
            Clone(writer, ctx, template, plan).run()
            if number % CHUNK == 0:
                writer.flush()
                if progress:
                    progress(0.9 * number / len(plans), f"bulk: {number}/{len(plans)} documents")
        writer.finish()
        if progress:
            progress(0.9, "bulk: numbering documents in time order")
        renumber(transaction, pool)
        add_journal_periods(transaction)
    if progress:
        progress(1.0, "bulk: done")
    return {
        "sales": len(sales),
        "purchases": len(purchases),
        "templates": sorted(f"{k}:{s}" for k, s in templates),
        "skipped": dict(missing),
        "rows": dict(sorted(writer.count.items())),
    }
