"""The knowledge reports (issue 15, section 4): article views, helpfulness, searches that found
nothing, the deflection rate, course completion per platform role and per ERP group, and the
overdue courses; as a dict for the console, the API and the CLI, and as a workbook.

The deflection rate is the service desk's own figure (``servicedesk.services.reports
.deflection``: portal visits that showed suggestions and ended without a ticket), so both
reports always agree; beside it, the articles read from those suggestions
(``suggestion_reads``) over the same period.

"Per team" means per platform role and per ERP group for now: teams come with section 3.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import (
    Article,
    ArticleViewDay,
    CourseState,
    Enrolment,
    SearchMiss,
)
from erpkeeper.knowledge.services.feedback import suggestion_reads
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk.services.reports import ReportPeriod, deflection, parse_period, percent

TOP = 20

__all__ = ["knowledge_report", "parse_period", "report_sheets", "report_workbook"]


def knowledge_report(period: ReportPeriod, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "period": {"from": period.start, "to": period.end},
        "views": article_views(period),
        "views_per_day": views_per_day(period),
        "helpfulness": helpfulness(),
        "search_misses": search_misses(period),
        "deflection": {
            **deflection(period, now),
            "suggestion_reads": suggestion_reads(period.since, period.until),
        },
        "completion_by_role": completion_by_role(),
        "completion_by_erp_group": completion_by_erp_group(),
        "overdue": overdue(),
    }


def _views(period: ReportPeriod):
    return ArticleViewDay.objects.filter(day__gte=period.start, day__lte=period.end)


def article_views(period: ReportPeriod) -> dict:
    rows = (
        _views(period)
        .values("article", "article__title")
        .annotate(views=Sum("views"))
        .order_by("-views", "article")[:TOP]
    )
    total = _views(period).aggregate(total=Sum("views"))["total"] or 0
    top = [
        {"article": r["article"], "title": r["article__title"], "views": r["views"]} for r in rows
    ]
    return {"total": total, "top": top}


def views_per_day(period: ReportPeriod) -> list[dict]:
    counted = dict(_views(period).values("day").annotate(n=Sum("views")).values_list("day", "n"))
    days = (period.end - period.start).days + 1
    return [
        {"day": day, "views": counted.get(day, 0)}
        for day in (period.start + dt.timedelta(days=n) for n in range(days))
    ]


def helpfulness() -> dict:
    """Votes so far (articles keep running counts): the share found helpful, and the articles
    with the lowest share among those with votes."""
    voted = Article.objects.filter(Q(helpful_yes__gt=0) | Q(helpful_no__gt=0))
    totals = voted.aggregate(yes=Sum("helpful_yes"), no=Sum("helpful_no"))
    yes, no = totals["yes"] or 0, totals["no"] or 0
    rows = [
        {
            "article": a.pk,
            "title": a.title,
            "helpful": a.helpful_yes,
            "not_helpful": a.helpful_no,
            "percent": percent(a.helpful_yes, a.helpful_yes + a.helpful_no),
        }
        for a in voted
    ]
    rows.sort(key=lambda row: (row["percent"], -row["not_helpful"]))
    return {
        "helpful": yes,
        "not_helpful": no,
        "percent": percent(yes, yes + no),
        "lowest": rows[:TOP],
    }


def search_misses(period: ReportPeriod) -> list[dict]:
    """Terms last searched in the period that found nothing: what to write next."""
    misses = SearchMiss.objects.filter(
        last_searched__gte=period.since, last_searched__lt=period.until
    )
    return [
        {"term": m.term, "count": m.count, "last_searched": m.last_searched}
        for m in misses.order_by("-count", "-last_searched")[:TOP]
    ]


def _enrolments():
    return Enrolment.objects.exclude(course__state=CourseState.DRAFT)


def _completion_row(name: str, assigned: int, completed: int, overdue_count: int) -> dict:
    return {
        "name": name,
        "assigned": assigned,
        "completed": completed,
        "percent": percent(completed, assigned),
        "overdue": overdue_count,
    }


def completion_by_role() -> list[dict]:
    """Enrolments and completions per learner's platform role (portal users included)."""
    today = timezone.localdate()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    roles = set(Role.values)
    for enrolment in _enrolments().prefetch_related("user__groups"):
        names = [g.name for g in enrolment.user.groups.all() if g.name in roles] or [""]
        for name in names:
            counts[name][0] += 1
            counts[name][1] += int(enrolment.completed is not None)
            counts[name][2] += int(enrolment.is_overdue(today))
    return [
        _completion_row(str(Role(name).label) if name else _("no role"), *values)
        for name, values in sorted(counts.items())
    ]


def completion_by_erp_group() -> list[dict]:
    """Enrolments that came from an ERP group assignment, per group."""
    today = timezone.localdate()
    rows = (
        _enrolments()
        .exclude(erp_group="")
        .values("erp_group")
        .annotate(
            n_assigned=Count("pk"),
            n_completed=Count("pk", filter=Q(completed__isnull=False)),
            n_overdue=Count("pk", filter=Q(completed__isnull=True, due_date__lt=today)),
        )
        .order_by("erp_group")
    )
    return [
        _completion_row(r["erp_group"], r["n_assigned"], r["n_completed"], r["n_overdue"])
        for r in rows
    ]


def overdue() -> list[dict]:
    today = timezone.localdate()
    late = (
        Enrolment.objects.filter(
            completed__isnull=True, due_date__lt=today, course__state=CourseState.PUBLISHED
        )
        .select_related("course", "user")
        .order_by("due_date")
    )
    return [
        {
            "user": e.user.get_username(),
            "course": e.course.title,
            "due_date": e.due_date,
            "days_late": (today - e.due_date).days,
            "erp_group": e.erp_group,
        }
        for e in late
    ]


def report_sheets(report: dict) -> list[tuple[str, list[dict], list[tuple[str, str]]]]:
    deflected = report["deflection"]
    return [
        (
            _("Article views"),
            report["views"]["top"],
            [("title", _("Article")), ("views", _("Views"))],
        ),
        (
            _("Helpfulness"),
            report["helpfulness"]["lowest"],
            [
                ("title", _("Article")),
                ("helpful", _("Helpful")),
                ("not_helpful", _("Not helpful")),
                ("percent", "%"),
            ],
        ),
        (
            _("No result"),
            report["search_misses"],
            [
                ("term", _("Search term")),
                ("count", _("Times searched")),
                ("last_searched", _("Last searched")),
            ],
        ),
        (
            _("Deflection"),
            [deflected],
            [
                ("searches", _("Visits with suggestions")),
                ("deflected", _("Ended without a ticket")),
                ("percent", "%"),
                ("suggestion_reads", _("Articles read from suggestions")),
            ],
        ),
        (_("Completion per role"), report["completion_by_role"], _completion_columns(_("Role"))),
        (
            _("Completion per ERP group"),
            report["completion_by_erp_group"],
            _completion_columns(_("ERP group")),
        ),
        (
            _("Overdue courses"),
            report["overdue"],
            [
                ("user", _("Learner")),
                ("course", _("Course")),
                ("due_date", _("Due date")),
                ("days_late", _("Days late")),
            ],
        ),
    ]


def _completion_columns(name: str) -> list[tuple[str, str]]:
    return [
        ("name", name),
        ("assigned", _("Assigned")),
        ("completed", _("Completed")),
        ("percent", "%"),
        ("overdue", _("Overdue")),
    ]


def report_workbook(report: dict) -> bytes:
    # Imported here: openpyxl takes a tenth of a second to load, paid only by an export.
    from erpkeeper.lib.exports import workbook_bytes  # noqa: PLC0415

    return workbook_bytes(report_sheets(report))
