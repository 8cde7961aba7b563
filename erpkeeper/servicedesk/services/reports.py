"""The service desk's reports for a period (issue 14 §4), the same for the console, the API,
the CLI and the workbook: ``desk_report(period)`` returns plain data (numbers, codes, ISO
dates) that each interface renders.

Every measure is one aggregate query (grouped in the database, never a loop over tickets), so a
report over 100,000 tickets costs a few indexed scans. Merged duplicates count nowhere: their
conversation lives on in the ticket they were merged into. The definitions are in
docs/servicedesk.md ("Reports"); in short:

* volume: tickets created, and tickets resolved, per day or per week of the period;
* backlog: active tickets now (new, open, waiting), by age since their creation;
* SLA attainment, per priority: a first response given in the period is met when given by its
  due time; a resolution in the period likewise; a clock whose due time passed in the period
  without an answer (and not paused) is missed; tickets without an SLA policy are left out;
* first contact resolution: of the tickets resolved in the period, those never reopened whose
  conversation holds exactly one public reply of an agent (the description aside);
* reopen rate: of the tickets resolved in the period, those reopened at least once;
* CSAT: ratings of the tickets resolved in the period, per week of their resolution;
* deflection: portal visits that showed help suggestions and ended without a ticket.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DateField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from erpkeeper.servicedesk.models import (
    HelpSearch,
    MessageKind,
    Priority,
    Queue,
    Ticket,
    TicketCategory,
    TicketMessage,
    Via,
)
from erpkeeper.servicedesk.services.tickets import ACTIVE
from erpkeeper.targets.models import Target

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: longer is an archive question, not a desk report
DAILY_UP_TO = 62  # longer periods are counted per week
TOP = 10
LATEST_COMMENTS = 10
# A portal visit whose suggestions were shown less than this long ago may still end in a
# ticket: it is not counted yet.
SEARCH_SETTLES = dt.timedelta(minutes=30)
# Backlog age buckets: (code, lower bound in days, upper bound in days or None).
AGE_BUCKETS = (
    ("under_1d", 0, 1),
    ("1_3d", 1, 3),
    ("3_7d", 3, 7),
    ("7_30d", 7, 30),
    ("over_30d", 30, None),
)
GRAINS = ("day", "week")
# Messages written by people (the system's acknowledgements are not an agent's reply).
HUMAN_VIA = [choice.value for choice in Via if choice != Via.SYSTEM]


@dataclass(frozen=True)
class ReportPeriod:
    """From ``start`` to ``end`` (both days included, in the platform's time zone), one queue
    and one target or all, counted per day or per week."""

    start: dt.date
    end: dt.date
    queue: Queue | None = None
    target: Target | None = None
    grain: str = "day"

    @property
    def since(self) -> dt.datetime:
        return _midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        return _midnight(self.end + dt.timedelta(days=1))


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


# -- reading the period ---------------------------------------------------------------------------


def parse_period(
    start: str | None = None,
    end: str | None = None,
    queue: str | None = None,
    target: str | None = None,
    grain: str | None = None,
    today: dt.date | None = None,
) -> ReportPeriod:
    """The period a caller asked for (ISO dates; by default the last 30 days up to today);
    bad input is a ValidationError naming the field (``from``, ``to``, ``queue``, …)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    last = _date(end, "to", errors) or today
    first = _date(start, "from", errors) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if not errors:
        _check_span(first, last, errors)
    found_queue = _named(Queue, queue, "queue", errors)
    found_target = _named(Target, target, "target", errors)
    if grain and grain not in GRAINS:
        errors["group"] = [_("Count per day or per week.")]
    if errors:
        raise ValidationError(errors)
    days = (last - first).days + 1
    grain = grain or ("day" if days <= DAILY_UP_TO else "week")
    return ReportPeriod(first, last, found_queue, found_target, grain)


def _date(text: str | None, field: str, errors: dict) -> dt.date | None:
    if not text:
        return None
    try:
        value = parse_date(str(text).strip())
    except ValueError:
        value = None
    if value is None:
        errors[field] = [_("Give a date as YYYY-MM-DD.")]
    return value


def _check_span(first: dt.date, last: dt.date, errors: dict) -> None:
    if first > last:
        errors["from"] = [_("The period starts after it ends.")]
    elif (last - first).days + 1 > MAX_DAYS:
        errors["from"] = [_("A report covers at most %(days)d days.") % {"days": MAX_DAYS}]


def _named(model, name: str | None, field: str, errors: dict):
    if not name:
        return None
    found = model.objects.filter(name=name).first()
    if found is None:
        errors[field] = [_("Nothing is named %(name)s.") % {"name": name}]
    return found


# -- the report -----------------------------------------------------------------------------------


def desk_report(period: ReportPeriod, now: dt.datetime | None = None) -> dict:
    """Every measure of the period, as plain data."""
    now = now or timezone.now()
    tickets = scoped_tickets(period)
    return {
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "queue": period.queue.name if period.queue else None,
            "target": period.target.name if period.target else None,
            "group": period.grain,
        },
        "volume": volume(tickets, period),
        "backlog": backlog(tickets, now),
        "sla": sla_attainment(tickets, period, now),
        "first_contact_resolution": first_contact_resolution(tickets, period),
        "reopened": reopen_rate(tickets, period),
        "csat": csat(tickets, period),
        "categories": top_categories(tickets, period),
        "erp_modules": top_modules(tickets, period),
        "workload": workload(tickets, period),
        "deflection": deflection(period, now),
    }


def scoped_tickets(period: ReportPeriod) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(merged_into__isnull=True)
    if period.queue is not None:
        tickets = tickets.filter(queue=period.queue)
    if period.target is not None:
        tickets = tickets.filter(target=period.target)
    return tickets


def _in(field: str, period: ReportPeriod) -> Q:
    return Q(**{f"{field}__gte": period.since, f"{field}__lt": period.until})


def _resolved_in(tickets: QuerySet[Ticket], period: ReportPeriod) -> QuerySet[Ticket]:
    return tickets.filter(_in("resolved_at", period))


def percent(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent with one decimal; None (no data) when whole is 0."""
    return round(100 * part / whole, 1) if whole else None


# -- volume and backlog ---------------------------------------------------------------------------


def volume(tickets: QuerySet[Ticket], period: ReportPeriod) -> list[dict]:
    """Tickets created and resolved per day (or week, from Monday), every one of the period
    listed, quiet ones with zeros."""
    grain = period.grain
    created = _per_bucket(tickets.filter(_in("created", period)), "created", grain, period)
    resolved = _per_bucket(_resolved_in(tickets, period), "resolved_at", grain, period)
    return [
        {
            "period": day.isoformat(),
            "created": created.get(day, 0),
            "resolved": resolved.get(day, 0),
        }
        for day in buckets(period)
    ]


def _per_bucket(
    tickets: QuerySet[Ticket], field: str, grain: str, period: ReportPeriod
) -> dict[dt.date, int]:
    rows = (
        tickets.order_by()
        .annotate(bucket=bucket_of(field, grain, period))
        .values("bucket")
        .annotate(n=Count("pk"))
    )
    return {_as_date(row["bucket"]): row["n"] for row in rows}


def bucket_of(field: str, grain: str, period: ReportPeriod):
    """The local day (or the Monday of the week) of ``field``, computed by the database.

    Django's TruncDate with a time zone calls a Python function per row on SQLite (seconds for
    100,000 tickets); when the zone keeps one UTC offset over the period (Beijing time always
    does), SQLite's own date() with that offset gives the same day at native speed."""
    zone = timezone.get_current_timezone()
    offset = _fixed_offset(zone, period)
    if connection.vendor != "sqlite" or offset is None:
        return TruncDate(field, tzinfo=zone) if grain == "day" else TruncWeek(field, tzinfo=zone)
    shift = f"'{int(offset.total_seconds() // 60):+d} minutes'"
    week = ", '-6 days', 'weekday 1'" if grain == "week" else ""
    return Func(
        F(field), template=f"date(%(expressions)s, {shift}{week})", output_field=DateField()
    )


def _fixed_offset(zone, period: ReportPeriod) -> dt.timedelta | None:
    """The zone's UTC offset if it is the same on every day of the period (and a week
    around it), else None."""
    first = period.since - dt.timedelta(days=7)
    offsets = {
        (first + dt.timedelta(days=day)).astimezone(zone).utcoffset()
        for day in range((period.until - first).days + 2)
    }
    return offsets.pop() if len(offsets) == 1 else None


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def buckets(period: ReportPeriod) -> list[dt.date]:
    """The days of the period, or the Mondays of its weeks."""
    if period.grain == "day":
        first, step = period.start, dt.timedelta(days=1)
    else:
        first, step = period.start - dt.timedelta(days=period.start.weekday()), dt.timedelta(7)
    days = []
    while first <= period.end:
        days.append(first)
        first += step
    return days


def backlog(tickets: QuerySet[Ticket], now: dt.datetime) -> dict:
    """Active tickets now, by status and by age since their creation."""
    counts = {}
    for code, low, high in AGE_BUCKETS:
        age = Q(created__lte=now - dt.timedelta(days=low))
        if high is not None:
            age &= Q(created__gt=now - dt.timedelta(days=high))
        counts[code] = Count("pk", filter=age)
    for status in ACTIVE:
        counts[f"status_{status}"] = Count("pk", filter=Q(status=status))
    found = tickets.filter(status__in=ACTIVE).aggregate(total=Count("pk"), **counts)
    return {
        "total": found["total"],
        "ages": [{"age": code, "tickets": found[code]} for code, _low, _high in AGE_BUCKETS],
        "statuses": [
            {"status": str(status), "tickets": found[f"status_{status}"]} for status in ACTIVE
        ],
    }


# -- SLA, first contact, reopening ----------------------------------------------------------------


def sla_attainment(tickets: QuerySet[Ticket], period: ReportPeriod, now: dt.datetime) -> list:
    """Per priority: first responses and resolutions met and missed in the period."""
    late_until = min(period.until, now)
    unanswered = Q(sla_paused_at__isnull=True)  # a paused clock is not missing its target
    response_given = _in("first_response_at", period)
    response_missed_silently = (
        Q(first_response_at__isnull=True, first_response_due__gte=period.since)
        & Q(first_response_due__lt=late_until)
        & unanswered
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("first_response_due")))
    )
    resolution_given = _in("resolved_at", period)
    resolution_missed_silently = (
        Q(resolved_at__isnull=True, resolution_due__gte=period.since)
        & Q(resolution_due__lt=late_until, status__in=ACTIVE)
        & unanswered
    )
    # Only tickets with a clock event in the period can count (each term has its index).
    events = (
        _in("first_response_at", period)
        | _in("first_response_due", period)
        | _in("resolved_at", period)
        | _in("resolution_due", period)
    )
    rows = (
        tickets.filter(events)
        .order_by()
        .values("priority")
        .annotate(
            response_met=Count(
                "pk", filter=response_given & Q(first_response_at__lte=F("first_response_due"))
            ),
            response_missed=Count(
                "pk",
                filter=(response_given & Q(first_response_at__gt=F("first_response_due")))
                | response_missed_silently,
            ),
            resolution_met=Count(
                "pk", filter=resolution_given & Q(resolved_at__lte=F("resolution_due"))
            ),
            resolution_missed=Count(
                "pk",
                filter=(resolution_given & Q(resolved_at__gt=F("resolution_due")))
                | resolution_missed_silently,
            ),
        )
    )
    found = {row["priority"]: row for row in rows}
    return [_sla_row(priority, found.get(priority, {})) for priority in Priority.values]


def _sla_row(priority: str, row: dict) -> dict:
    result = {"priority": priority}
    for clock in ("response", "resolution"):
        met, missed = row.get(f"{clock}_met", 0), row.get(f"{clock}_missed", 0)
        result[f"{clock}_met"] = met
        result[f"{clock}_missed"] = missed
        result[f"{clock}_percent"] = percent(met, met + missed)
    return result


def first_contact_resolution(tickets: QuerySet[Ticket], period: ReportPeriod) -> dict:
    """Of the tickets resolved in the period: never reopened, with exactly one public reply of
    an agent (the agent's first public reply is the first response; the description, even one
    written by an agent for the requester, comes before it)."""
    resolved = _resolved_in(tickets, period)
    # A count per ticket through the messages' ticket index: quicker than grouping a join.
    agent_replies = (
        TicketMessage.objects.filter(
            ticket=OuterRef("pk"),
            kind=MessageKind.REPLY,
            from_requester=False,
            via__in=HUMAN_VIA,
            created__gte=OuterRef("first_response_at"),
        )
        .order_by()
        .values("ticket")
        .annotate(n=Count("pk"))
        .values("n")
    )
    first_contact = (
        resolved.filter(reopen_count=0, first_response_at__isnull=False)
        .annotate(agent_replies=Subquery(agent_replies, output_field=IntegerField()))
        .filter(agent_replies=1)
        .count()
    )
    total = resolved.count()
    return {
        "resolved": total,
        "first_contact": first_contact,
        "percent": percent(first_contact, total),
    }


def reopen_rate(tickets: QuerySet[Ticket], period: ReportPeriod) -> dict:
    found = _resolved_in(tickets, period).aggregate(
        resolved=Count("pk"), reopened=Count("pk", filter=Q(reopen_count__gt=0))
    )
    return {**found, "percent": percent(found["reopened"], found["resolved"])}


# -- satisfaction, what tickets are about, who works them -----------------------------------------


def csat(tickets: QuerySet[Ticket], period: ReportPeriod) -> dict:
    """Ratings of the tickets resolved in the period: overall, per week, the latest comments."""
    rated = _resolved_in(tickets, period).filter(csat_rating__isnull=False).order_by()
    overall = rated.aggregate(ratings=Count("pk"), average=Avg("csat_rating"))
    weeks = (
        rated.annotate(week=bucket_of("resolved_at", "week", period))
        .values("week")
        .annotate(ratings=Count("pk"), average=Avg("csat_rating"))
    )
    by_week = {_as_date(row["week"]): row for row in weeks}
    trend = [
        {
            "week": monday.isoformat(),
            "ratings": by_week[monday]["ratings"] if monday in by_week else 0,
            "average": _rounded(by_week[monday]["average"]) if monday in by_week else None,
        }
        for monday in buckets(ReportPeriod(period.start, period.end, grain="week"))
    ]
    comments = (
        rated.exclude(csat_comment="")
        .order_by("-resolved_at", "-pk")
        .values("number", "subject", "csat_rating", "csat_comment", "resolved_at")[:LATEST_COMMENTS]
    )
    return {
        "ratings": overall["ratings"],
        "average": _rounded(overall["average"]),
        "trend": trend,
        "comments": [
            {
                "number": row["number"],
                "subject": row["subject"],
                "rating": row["csat_rating"],
                "comment": row["csat_comment"],
                "resolved": row["resolved_at"].isoformat(),
            }
            for row in comments
        ],
    }


def _rounded(value) -> float | None:
    return round(float(value), 2) if value is not None else None


def top_categories(tickets: QuerySet[Ticket], period: ReportPeriod) -> list[dict]:
    """The categories of the tickets created in the period, most frequent first."""
    rows = _top(tickets.filter(_in("created", period)), "category")
    labels = dict(TicketCategory.choices)
    return [
        {"category": row["category"], "label": str(labels.get(row["category"], row["category"])),
         "tickets": row["n"]}
        for row in rows
    ]  # fmt: skip


def top_modules(tickets: QuerySet[Ticket], period: ReportPeriod) -> list[dict]:
    """The ERP modules named by the tickets created in the period, most frequent first."""
    created = tickets.filter(_in("created", period)).exclude(erp_module="")
    return [
        {"erp_module": row["erp_module"], "tickets": row["n"]}
        for row in _top(created, "erp_module")
    ]


def _top(tickets: QuerySet[Ticket], field: str):
    return tickets.order_by().values(field).annotate(n=Count("pk")).order_by("-n", field)[:TOP]


def workload(tickets: QuerySet[Ticket], period: ReportPeriod) -> list[dict]:
    """Per assignee: active tickets now (by status) and tickets resolved in the period; the
    active tickets of nobody on a row of their own (assignee None)."""
    resolved = _in("resolved_at", period)
    counts = {f"status_{status}": Count("pk", filter=Q(status=status)) for status in ACTIVE}
    rows = (
        tickets.filter(Q(status__in=ACTIVE) | resolved)
        .order_by()
        .values("assignee", "assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(
            active=Count("pk", filter=Q(status__in=ACTIVE)),
            resolved=Count("pk", filter=resolved),
            **counts,
        )
        .order_by("-active", "-resolved", "assignee__username")
    )
    return [_workload_row(row) for row in rows]


def _workload_row(row: dict) -> dict:
    names = (row["assignee__first_name"], row["assignee__last_name"])
    full_name = " ".join(name for name in names if name)
    return {
        "assignee": row["assignee__username"],
        "name": full_name or row["assignee__username"],  # None: nobody
        "active": row["active"],
        **{str(status): row[f"status_{status}"] for status in ACTIVE},
        "resolved": row["resolved"],
    }


# -- deflection ------------------------------------------------------------------------------------


def deflection(period: ReportPeriod, now: dt.datetime) -> dict:
    """Portal visits of the period that showed help suggestions, and those that ended without a
    ticket. Searches carry no queue or target: the filters do not apply. None until the
    knowledge base suggests anything (no searches: no data, not 0 %)."""
    settled = HelpSearch.objects.filter(
        _in("created", period), suggestions__gt=0, last_shown__lt=now - SEARCH_SETTLES
    )
    found = settled.aggregate(
        searches=Count("pk"), deflected=Count("pk", filter=Q(ticket__isnull=True))
    )
    return {**found, "percent": percent(found["deflected"], found["searches"])}
