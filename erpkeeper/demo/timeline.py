"""When things happen in the demo company: working-hour patterns and document life cycles.

Pure Python and deterministic: the same seed and the same anchor day give the same plans.
All times are naive UTC datetimes, as Tryton stores them.

Activity follows an office rhythm: busy on weekdays between 9:00 and 18:00 with a lunch dip,
a quieter Saturday morning, and nearly nothing at night or on Sundays. ERPKeeper uses these
quiet hours later, e.g. to propose an off-peak backup window.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from erpkeeper.demo import catalog

HISTORY_DAYS = 365

# Relative activity per hour of day (index = hour).
WEEKDAY_HOURS = [
    0.05,
    0.02,
    0.02,
    0.02,
    0.02,
    0.05,
    0.2,
    1.0,
    4.0,
    12.0,
    15.0,
    14.0,
    6.0,
    9.0,
    14.0,
    14.0,
    12.0,
    9.0,
    3.0,
    1.0,
    0.6,
    0.3,
    0.15,
    0.08,
]
SATURDAY_HOURS = [
    0.02,
    0.01,
    0.01,
    0.01,
    0.01,
    0.02,
    0.05,
    0.2,
    1.0,
    3.0,
    4.0,
    4.0,
    2.0,
    1.0,
    0.6,
    0.4,
    0.3,
    0.2,
    0.1,
    0.05,
    0.05,
    0.03,
    0.02,
    0.02,
]
SUNDAY_HOURS = [0.01] * 8 + [0.1, 0.2, 0.3, 0.3, 0.2, 0.2, 0.2, 0.2] + [0.1, 0.05] + [0.02] * 6
# Relative activity per day of week, Monday first.
WEEKDAY_WEIGHTS = [1.0, 1.05, 1.0, 1.0, 0.95, 0.25, 0.03]


def anchor_for(today: dt.date | None = None) -> dt.date:
    """The day after the history: documents happen before 00:00 UTC of this day."""
    return today or dt.datetime.now(dt.UTC).date()


def hour_weights(day: dt.date) -> list[float]:
    weekday = day.weekday()
    if weekday == 5:
        return SATURDAY_HOURS
    if weekday == 6:
        return SUNDAY_HOURS
    return WEEKDAY_HOURS


class Clock:
    """Draws realistic moments for a given history window."""

    def __init__(self, rng: random.Random, anchor: dt.date, days: int = HISTORY_DAYS):
        self.rng = rng
        self.anchor = anchor
        self.start = anchor - dt.timedelta(days=days)
        self.end = dt.datetime.combine(anchor, dt.time())  # exclusive
        self.go_live = dt.datetime.combine(self.start - dt.timedelta(days=7), dt.time(10, 0))

    def moment_on(self, day: dt.date) -> dt.datetime:
        rng = self.rng
        hour = rng.choices(range(24), weights=hour_weights(day))[0]
        return dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = (last - first).days
        if span <= 0:
            return first
        days = [first + dt.timedelta(days=i) for i in range(span + 1)]
        weights = [WEEKDAY_WEIGHTS[d.weekday()] for d in days]
        return self.rng.choices(days, weights=weights)[0]

    def moment_between(self, first: dt.date, last: dt.date) -> dt.datetime:
        return self.moment_on(self.day_between(first, last))

    def later(self, after: dt.datetime, min_days: int, max_days: int) -> dt.datetime:
        """A working moment ``min_days``..``max_days`` days after ``after`` (strictly later)."""
        rng = self.rng
        day = after.date() + dt.timedelta(days=rng.randint(min_days, max_days))
        # Work falling on a weekend mostly waits for Monday (a quiet Saturday, a near-empty
        # Sunday, a busy Monday morning).
        rolled = False
        while day.weekday() >= 5 and rng.random() > WEEKDAY_WEIGHTS[day.weekday()]:
            day += dt.timedelta(days=1)
            rolled = True
        if rolled and day.weekday() == 0 and rng.random() < 0.45:
            day += dt.timedelta(days=1)  # the Monday backlog spills into Tuesday
        moment = self.moment_on(day)
        if moment <= after:
            moment = after + dt.timedelta(minutes=rng.randint(5, 90), seconds=rng.randrange(60))
        return moment

    def soon(self, after: dt.datetime, min_minutes: int, max_minutes: int) -> dt.datetime:
        return after + dt.timedelta(
            minutes=self.rng.randint(min_minutes, max_minutes), seconds=self.rng.randrange(60)
        )


SALE_PHASES = ["create", "quote", "confirm", "assign", "pick", "pack", "ship", "post", "pay"]
PURCHASE_PHASES = ["create", "quote", "confirm", "receive", "done", "post", "pay"]

# Final states a plan can stop at, with the last phase executed.
SALE_TARGETS = {
    "draft": "create",
    "quotation": "quote",
    "processing": "confirm",  # confirmed, waiting for shipment
    "shipped": "ship",  # shipped, customer invoice still draft
    "awaiting_payment": "post",
    "done": "pay",
}
PURCHASE_TARGETS = {
    "draft": "create",
    "quotation": "quote",
    "processing": "confirm",  # confirmed, goods not received yet
    "received": "done",  # received, supplier invoice still draft
    "awaiting_payment": "post",
    "done": "pay",
}

# The realistic core every size starts with: one list per kind, states forced so that the
# database always holds documents in each state.
CORE_SALE_TARGETS = (
    ["done"] * 6
    + ["awaiting_payment"] * 2
    + ["shipped", "processing", "processing", "quotation", "draft"]
    + ["cancelled_draft", "cancelled_quotation"]
)
CORE_PURCHASE_TARGETS = ["done"] * 3 + [
    "awaiting_payment",
    "received",
    "processing",
    "quotation",
    "draft",
    "cancelled_quotation",
]

# How recent (in days before the anchor) a document created in each target state is.
RECENT_WINDOWS = {
    "draft": (1, 6),
    "quotation": (2, 12),
    "processing": (1, 4),
    "shipped": (2, 6),
    "received": (3, 8),
    "awaiting_payment": (6, 22),
}


@dataclass
class Plan:
    kind: str  # sale | purchase
    index: int
    party: int  # index in catalog.CUSTOMERS or SUPPLIERS
    lines: list[tuple[int, int]]  # (product index, quantity)
    target: str
    variant: str = ""  # what was asked for: a state, "natural" or "cancelled_<from>"
    phases: dict[str, dt.datetime] = field(default_factory=dict)
    actors: dict[str, str] = field(default_factory=dict)  # phase -> login
    cancel_at: dt.datetime | None = None

    @property
    def created(self) -> dt.datetime:
        return self.phases["create"]

    def events(self):
        """(moment, phase) pairs in time order, cancellation included."""
        events = [(moment, phase) for phase, moment in self.phases.items()]
        if self.cancel_at:
            events.append((self.cancel_at, "cancel"))
        return sorted(events)


class Planner:
    def __init__(self, seed: int, anchor: dt.date):
        self.rng = random.Random(seed)
        self.clock = Clock(self.rng, anchor)
        self.anchor = anchor
        self.product_weights = [p.popularity for p in catalog.PRODUCTS]
        sellers = [p.login for p in catalog.PEOPLE if "sell" in p.duties and p.active]
        self.sellers = sellers

    # --- sales -------------------------------------------------------------------------------
    def sale_lines(self, max_lines: int = 10) -> list[tuple[int, int]]:
        """Distinct products, popular ones more often; 4 to 5 lines per sale on average."""
        rng = self.rng
        count = min(max_lines, 2 + int(rng.expovariate(1 / 3.0)))
        products: list[int] = []
        while len(products) < count:
            (index,) = rng.choices(range(len(catalog.PRODUCTS)), weights=self.product_weights)
            if index not in products:
                products.append(index)
        lines = []
        for index in products:
            price = catalog.PRODUCTS[index].list_price
            quantity = rng.randint(1, 4) if price > 500 else rng.randint(2, 40)
            lines.append((index, quantity))
        return lines

    def sale(self, index: int, target: str, created: dt.datetime | None = None) -> Plan:
        rng, clock = self.rng, self.clock
        cancel_from = None
        if target.startswith("cancelled_"):
            cancel_from = target.removeprefix("cancelled_")
        plan = Plan(
            "sale", index, rng.randrange(len(catalog.CUSTOMERS)), self.sale_lines(), target, target
        )
        if created is None:
            created = self._created_for(cancel_from or target, last_phase_days=70)
        seller = self._seller(created)
        total = sum(catalog.PRODUCTS[p].list_price * q for p, q in plan.lines)
        p = plan.phases
        p["create"] = created
        p["quote"] = clock.soon(created, 3, 120)
        p["confirm"] = clock.later(p["quote"], 0, 3)
        p["assign"] = clock.later(p["confirm"], 0, 2)
        p["pick"] = clock.soon(p["assign"], 10, 90)
        p["pack"] = clock.soon(p["pick"], 5, 60)
        p["ship"] = clock.soon(p["pack"], 10, 120)
        p["post"] = clock.later(p["ship"], 0, 2)
        p["pay"] = clock.later(p["post"], 3, 45)
        plan.actors = {
            "create": seller,
            "quote": seller,
            "confirm": "wang.fang" if total > 8000 else seller,
            "assign": self._pick(["liu.yang"] * 4 + ["chen.jie"]),
            "post": "zhao.min",
            "pay": self._pick(["zhao.min"] * 3 + ["sun.li"]),
        }
        for step in ("pick", "pack", "ship"):
            plan.actors[step] = plan.actors["assign"]
        last = SALE_TARGETS.get(cancel_from or target)
        if last is None:
            last = SALE_TARGETS[self._natural(p, SALE_PHASES)]
        self._truncate(plan, SALE_PHASES, last)
        if cancel_from:
            plan.cancel_at = clock.later(max(plan.phases.values()), 1, 10)
            plan.actors["cancel"] = seller
        self._fit(plan)
        plan.target = self.final_state(plan)
        return plan

    def _seller(self, moment: dt.datetime) -> str:
        # li.na joined later than the others: only sells after her start date.
        joined = {p.login: p.joined_days_ago for p in catalog.PEOPLE}
        candidates = [
            s
            for s in self.sellers
            if moment.date() >= self.anchor - dt.timedelta(days=joined[s] or 10_000)
        ]
        weights = [1 if s == "wang.fang" else 4 for s in candidates]
        return self.rng.choices(candidates, weights=weights)[0]

    # --- purchases ---------------------------------------------------------------------------
    def purchase(self, index: int, target: str, created: dt.datetime | None = None) -> Plan:
        rng, clock = self.rng, self.clock
        cancel_from = target.removeprefix("cancelled_") if target.startswith("cancelled_") else None
        supplier = rng.randrange(len(catalog.SUPPLIERS))
        products = [i for i, p in enumerate(catalog.PRODUCTS) if p.supplier == supplier]
        if not products:
            products = list(range(len(catalog.PRODUCTS)))
        count = min(len(products), rng.randint(1, 4))
        lines = [
            (i, rng.choice([20, 30, 50, 80, 100, 150, 200])) for i in rng.sample(products, count)
        ]
        for n, (i, q) in enumerate(lines):
            if catalog.PRODUCTS[i].list_price > 500:
                lines[n] = (i, max(5, q // 10))
        plan = Plan("purchase", index, supplier, lines, target, target)
        if created is None:
            created = self._created_for(cancel_from or target, last_phase_days=75)
        p = plan.phases
        p["create"] = created
        p["quote"] = clock.soon(created, 5, 180)
        p["confirm"] = clock.later(p["quote"], 0, 2)
        p["receive"] = clock.later(p["confirm"], 3, 12)
        p["done"] = clock.soon(p["receive"], 15, 180)
        p["post"] = clock.later(p["done"], 1, 7)
        p["pay"] = clock.later(p["post"], 10, 40)
        # The buyer with a segregation-of-duties conflict also books and pays one in three
        # supplier invoices himself.
        books_himself = index % 3 == 1
        plan.actors = {
            "create": "zhou.qiang",
            "quote": "zhou.qiang",
            "confirm": "zhou.qiang",
            "receive": self._pick(["liu.yang"] * 3 + ["chen.jie"]),
            "post": "zhou.qiang" if books_himself else "zhao.min",
            "pay": "zhou.qiang" if books_himself else "sun.li",
        }
        plan.actors["done"] = plan.actors["receive"]
        last = PURCHASE_TARGETS.get(cancel_from or target)
        if last is None:
            last = PURCHASE_TARGETS[self._natural(p, PURCHASE_PHASES, purchase=True)]
        self._truncate(plan, PURCHASE_PHASES, last)
        if cancel_from:
            plan.cancel_at = clock.later(max(plan.phases.values()), 1, 10)
            plan.actors["cancel"] = "zhou.qiang"
        self._fit(plan)
        plan.target = self.final_state(plan)
        return plan

    # --- helpers -----------------------------------------------------------------------------
    def _pick(self, choices):
        return self.rng.choice(choices)

    def _created_for(self, target: str, last_phase_days: int) -> dt.datetime:
        clock = self.clock
        if target == "natural":
            return clock.moment_between(clock.start, self.anchor - dt.timedelta(days=1))
        if target in RECENT_WINDOWS:
            low, high = RECENT_WINDOWS[target]
            return clock.moment_between(
                self.anchor - dt.timedelta(days=high), self.anchor - dt.timedelta(days=low)
            )
        return clock.moment_between(clock.start, self.anchor - dt.timedelta(days=last_phase_days))

    def _natural(self, phases: dict, order: list[str], purchase: bool = False) -> str:
        """The state reached by the anchor when the life cycle runs its natural course."""
        reached = [name for name in order if phases[name] < self.clock.end]
        last = reached[-1]
        targets = PURCHASE_TARGETS if purchase else SALE_TARGETS
        # Map the last phase reached back to a state (intermediate shipping steps count
        # as still processing).
        by_phase = {v: k for k, v in targets.items()}
        for name in reversed(order[: order.index(last) + 1]):
            if name in by_phase:
                return by_phase[name]
        return "draft"

    def _truncate(self, plan: Plan, order: list[str], last: str) -> None:
        keep = order[: order.index(last) + 1]
        plan.phases = {k: v for k, v in plan.phases.items() if k in keep}
        plan.actors = {k: v for k, v in plan.actors.items() if k in keep}

    def _fit(self, plan: Plan) -> None:
        """Everything happens before the anchor: a document that would end later is moved
        back by whole weeks, so that weekdays and hours stay what they were."""
        last = max([*plan.phases.values(), plan.cancel_at or dt.datetime.min])
        overflow = last - (self.clock.end - dt.timedelta(minutes=30))
        if overflow > dt.timedelta(0):
            weeks = dt.timedelta(days=7 * (overflow.days // 7 + 1))
            plan.phases = {k: v - weeks for k, v in plan.phases.items()}
            if plan.cancel_at:
                plan.cancel_at -= weeks

    @staticmethod
    def final_state(plan: Plan) -> str:
        if plan.cancel_at:
            return "cancelled"
        targets = SALE_TARGETS if plan.kind == "sale" else PURCHASE_TARGETS
        by_phase = {v: k for k, v in targets.items()}
        order = SALE_PHASES if plan.kind == "sale" else PURCHASE_PHASES
        last = [name for name in order if name in plan.phases][-1]
        return by_phase.get(last, "processing")

    def bulk_target(self, kind: str) -> str:
        roll = self.rng.random()
        if roll < 0.04:
            return "cancelled_quotation"
        if roll < 0.05:
            return "cancelled_draft" if kind == "sale" else "cancelled_quotation"
        if roll < 0.07:
            return "quotation"
        return "natural"


def core_plans(seed: int, anchor: dt.date) -> tuple[Planner, list[Plan], list[Plan]]:
    planner = Planner(seed, anchor)
    sales = [planner.sale(i, t) for i, t in enumerate(CORE_SALE_TARGETS)]
    purchases = [planner.purchase(i, t) for i, t in enumerate(CORE_PURCHASE_TARGETS)]
    return planner, sales, purchases
