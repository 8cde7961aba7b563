"""A plausible service desk history for the demo: about 240 tickets over the past 60 days, so
that the desk and its reports show something on a fresh ``make up``.

Everything goes through the desk's own services (``open_ticket``, ``assign``, ``reply``,
``change_status``, ``rate``, ``close``) with the moments of a made-up history, so that the SLA
clocks, first responses, reopenings and ratings are the desk's own computations. Seeded (the
same history for the same seed and day), idempotent (tickets carry ``source_key`` "demo:N";
none is made twice) and quick (one transaction). The requesters are names without e-mail
addresses, so nothing is mailed; the three agents have no password (an administrator gives one
to use them, or removes them).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from erpkeeper.accounts.roles import Role
from erpkeeper.accounts.services import create_user
from erpkeeper.core.audit import audit_context
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Queue, Ticket, TicketStatus, Via
from erpkeeper.servicedesk.sla.clock import DAY_KEYS

SOURCE = "demo:"
DAYS = 60
TICKETS = 240
RECENT_MINUTES = 5 * 24 * 60  # "this week": still open without anything being wrong
SEED = 14
AGENTS = (("wang.fang", "Fang", "Wang"), ("zhao.lei", "Lei", "Zhao"), ("chen.jing", "Jing", "Chen"))
QUEUES = {
    "Helpdesk": ("wang.fang", "zhao.lei", "chen.jing"),
    "Finance ERP": ("zhao.lei",),
    "Warehouse ERP": ("chen.jing", "wang.fang"),
}
REQUESTERS = ("李娜", "王伟", "张敏", "刘洋", "陈静", "Anna Müller", "杨磊", "赵丽", "黄强", "周杰")
# (subject, category, ERP module, queue)
SUBJECTS = (
    ("月结凭证无法过账", "error", "account", "Finance ERP"),
    ("发票打印格式错误", "error", "account_invoice", "Finance ERP"),
    ("Cannot post the supplier invoice", "error", "account_invoice", "Finance ERP"),
    ("需要开通采购审批权限", "access", "purchase", "Helpdesk"),
    ("新员工账号申请", "access", "", "Helpdesk"),
    ("Password reset for the ERP", "access", "", "Helpdesk"),
    ("库存数量与实际不符", "data", "stock", "Warehouse ERP"),
    ("发货单重复生成", "error", "stock", "Warehouse ERP"),
    ("Stock move stuck in assigned", "error", "stock", "Warehouse ERP"),
    ("销售订单无法确认", "error", "sale", "Helpdesk"),
    ("客户地址需要修改", "data", "party", "Helpdesk"),
    ("How do I copy a quotation?", "question", "sale", "Helpdesk"),
    ("如何导出应收账款报表", "question", "account", "Finance ERP"),
    ("希望增加批量打印功能", "change", "sale", "Helpdesk"),
    ("ERP 系统很慢", "error", "", "Helpdesk"),
    ("产品价格更新", "data", "product", "Helpdesk"),
    ("其他问题咨询", "other", "", "Helpdesk"),
)
LEVELS = (("high", 1), ("medium", 3), ("low", 4))
RATINGS = ((5, 40), (4, 33), (3, 15), (2, 8), (1, 4))
# What a requester writes with a good rating (4-5) and with a poorer one (1-3).
PRAISE = ("很快就解决了，谢谢！", "回复及时，说明清楚。", "Quick and clear, thank you.")
CRITICISM = (
    "问题解决了，但等了比较久。",
    "第二次才真正解决。",
    "Took two days, but it works now.",
    "希望能更早通知进度。",
)
ANSWERS = (
    "已收到，正在处理。",
    "We are looking into it.",
    "请提供一下截图，谢谢。",
    "已修复，请再试一下。",
)


@dataclass(frozen=True)
class Plan:
    """One ticket's made-up life: when it opened and what happened after (minutes later)."""

    number: int
    created: dt.datetime
    subject: tuple[str, str, str, str]
    requester: str
    impact: str
    urgency: str
    answer_after: int | None  # first public reply
    second_answer: bool
    resolve_after: int | None
    reopen: bool
    waiting: bool
    rating: int | None
    comment: str
    close: bool


def ensure_demo_tickets(now: dt.datetime | None = None, seed: int = SEED) -> int:
    """Fill the desk with the demo history unless it is there; returns the tickets made."""
    if Ticket.objects.filter(source_key__startswith=SOURCE).exists():
        return 0
    now = now or timezone.now()
    with audit_context(actor_name="system:demo", source="system"), transaction.atomic():
        agents = _agents()
        queues = _queues(agents)
        plans = make_plans(random.Random(seed), now)
        for plan in plans:
            _live(plan, queues, agents, now)
    return len(plans)


def _agents() -> dict:
    users = get_user_model().objects
    agents = {}
    for username, first, last in AGENTS:
        user = users.filter(username=username).first()
        if user is None:
            user, _password = create_user(
                username,
                role=Role.HELPDESK_AGENT,
                usable_password=False,
                first_name=first,
                last_name=last,
            )
        agents[username] = user
    return agents


def _queues(agents: dict) -> dict:
    queues = {}
    for name, members in QUEUES.items():
        queue = Queue.objects.filter(name=name).first()
        if queue is None:
            queue = Queue.objects.create(
                name=name, business_hours=dict.fromkeys(DAY_KEYS[:5], "09:00-12:00,13:00-18:00")
            )
        queue.members.add(*(agents[member] for member in members))
        queues[name] = queue
    return queues


# -- the made-up history ---------------------------------------------------------------------------


def make_plans(randomly: random.Random, now: dt.datetime) -> list[Plan]:
    """The tickets' lives, oldest first; every moment before ``now``."""
    moments = sorted(_working_moment(randomly, now) for _n in range(TICKETS))
    return [_plan(randomly, number, created, now) for number, created in enumerate(moments, 1)]


def _working_moment(randomly: random.Random, now: dt.datetime) -> dt.datetime:
    """Mostly a weekday's working hours, local time; now and then an evening or a weekend."""
    local = timezone.localtime(now)
    while True:
        day = local.date() - dt.timedelta(days=randomly.randrange(DAYS))
        if day.weekday() >= 5 and randomly.random() > 0.15:
            continue
        hour = randomly.choice((9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 21))
        moment = timezone.make_aware(
            dt.datetime.combine(day, dt.time(hour, randomly.randrange(60)))
        )
        if moment < now - dt.timedelta(hours=1):
            return moment


def _plan(randomly: random.Random, number: int, created: dt.datetime, now: dt.datetime) -> Plan:
    age = (now - created).total_seconds() / 60
    # Unanswered tickets are this week's: a desk that left a ticket unanswered for a month
    # would greet a new install with a page of SLA breaches.
    recent = age < RECENT_MINUTES
    answer_after = _minutes(randomly, 90) if not recent or randomly.random() < 0.9 else None
    if answer_after is not None and answer_after > age:
        answer_after = None
    resolve_after = _resolution(randomly, age, answer_after)
    resolved = resolve_after is not None
    rating = _weighted(randomly, RATINGS) if resolved and randomly.random() < 0.45 else None
    return Plan(
        number=number,
        created=created,
        subject=randomly.choice(SUBJECTS),
        requester=randomly.choice(REQUESTERS),
        impact=_weighted(randomly, LEVELS),
        urgency=_weighted(randomly, LEVELS),
        answer_after=answer_after,
        second_answer=randomly.random() < 0.35,
        resolve_after=resolve_after,
        reopen=resolved and randomly.random() < 0.08 and resolve_after < age - 2 * 24 * 60,
        waiting=not resolved and answer_after is not None and randomly.random() < 0.3,
        rating=rating,
        comment=_comment(randomly, rating),
        close=resolved and age - resolve_after > 8 * 24 * 60 and randomly.random() < 0.6,
    )


def _comment(randomly: random.Random, rating: int | None) -> str:
    if not rating or randomly.random() > 0.4:
        return ""
    return randomly.choice(PRAISE if rating >= 4 else CRITICISM)


def _resolution(randomly: random.Random, age: float, answer_after: int | None) -> int | None:
    """Minutes from opening to resolution, or None (still active): old tickets are mostly
    resolved, a few from this week too."""
    if answer_after is None:
        return None
    chance = 0.99 if age > RECENT_MINUTES else 0.35
    if randomly.random() > chance:
        return None
    after = answer_after + _minutes(randomly, 8 * 60)
    return after if after < age - 60 else None


def _minutes(randomly: random.Random, typical: int) -> int:
    """A delay around ``typical`` minutes with a long tail (some miss their targets)."""
    return max(3, int(randomly.lognormvariate(0, 1.0) * typical))


def _weighted(randomly: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return randomly.choices(values, weights)[0]


# -- living it through the desk's services -------------------------------------------------------


def _live(plan: Plan, queues: dict, agents: dict, now: dt.datetime) -> None:
    subject, category, module, queue_name = plan.subject
    queue = queues[queue_name]
    agent = agents[QUEUES[queue_name][plan.number % len(QUEUES[queue_name])]]
    ticket = services.open_ticket(
        subject=subject,
        body=f"{subject}。\n{plan.requester}",
        requester_name=plan.requester,
        category=category,
        erp_module=module,
        impact=plan.impact,
        urgency=plan.urgency,
        queue=queue,
        via=Via.PORTAL,
        source_key=f"{SOURCE}{plan.number}",
        now=plan.created,
    )
    if plan.answer_after is None:
        if plan.number % 3:
            services.assign(ticket, agent)
        return
    services.assign(ticket, agent)
    answered = plan.created + dt.timedelta(minutes=plan.answer_after)
    # reply() works on (and saves) a fresh copy of the ticket: carry on with that one.
    text = ANSWERS[plan.number % len(ANSWERS)]
    ticket = services.reply(ticket, text, author=agent, now=answered).ticket
    if plan.resolve_after is None:
        if plan.waiting:
            services.change_status(ticket, TicketStatus.WAITING, now=answered)
        return
    _resolve(plan, ticket, agent, now)


def _resolve(plan: Plan, ticket: Ticket, agent, now: dt.datetime) -> None:
    resolved = plan.created + dt.timedelta(minutes=plan.resolve_after)
    if plan.second_answer:
        before = resolved - dt.timedelta(minutes=1)
        ticket = services.reply(ticket, ANSWERS[-1], author=agent, now=before).ticket
    services.change_status(ticket, TicketStatus.RESOLVED, now=resolved)
    if plan.reopen:
        reopened = resolved + dt.timedelta(days=1)
        services.change_status(ticket, TicketStatus.OPEN, now=reopened)
        resolved = reopened + dt.timedelta(hours=4)
        services.change_status(ticket, TicketStatus.RESOLVED, now=min(resolved, now))
    if plan.rating:
        services.rate(ticket, plan.rating, plan.comment)
    if plan.close:
        services.close(ticket, now=resolved + dt.timedelta(days=7))
