"""Change metrics: failure rate, lead time (submitted to implemented), emergency share,
changes per target, and the same per month for the trend charts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db.models import Count
from django.utils import timezone

from erpkeeper.changes.models import ChangeRequest, ChangeState, ChangeType, Outcome

FAILED = (Outcome.FAILED, Outcome.BACKED_OUT)


def metrics(months: int = 12, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    since = (now - dt.timedelta(days=31 * months)).replace(day=1, hour=0, minute=0, second=0)
    requested = ChangeRequest.objects.exclude(state=ChangeState.DRAFT).filter(created__gte=since)
    ended = requested.exclude(outcome="")
    return {
        "since": since,
        "total": requested.count(),
        "ended": ended.count(),
        "failure_rate": _share(ended.filter(outcome__in=FAILED).count(), ended.count()),
        "emergency_share": _share(
            requested.filter(change_type=ChangeType.EMERGENCY).count(), requested.count()
        ),
        "lead_time_hours": _lead_time(ended.filter(outcome=Outcome.IMPLEMENTED)),
        "per_target": list(
            requested.values("targets__name")
            .annotate(count=Count("pk", distinct=True))
            .exclude(targets__name=None)
            .order_by("-count", "targets__name")
        ),
        "months": monthly(requested),
    }


def monthly(requested) -> list[dict]:
    """Per month of submission: changes, failures, emergencies, failure rate, lead time."""
    rows = defaultdict(Counter)
    leads = defaultdict(list)
    for change in requested.only("created", "submitted_at", "actual_end", "outcome", "change_type"):
        month = timezone.localtime(change.submitted_at or change.created).strftime("%Y-%m")
        rows[month]["changes"] += 1
        rows[month]["emergency"] += change.change_type == ChangeType.EMERGENCY
        if change.outcome:
            rows[month]["ended"] += 1
            rows[month]["failed"] += change.outcome in FAILED
        if change.outcome == Outcome.IMPLEMENTED and change.submitted_at and change.actual_end:
            leads[month].append(_hours(change.submitted_at, change.actual_end))
    return [
        {
            "month": month,
            "changes": rows[month]["changes"],
            "emergency": rows[month]["emergency"],
            "failed": rows[month]["failed"],
            "failure_rate": _share(rows[month]["failed"], rows[month]["ended"]),
            "lead_time_hours": round(sum(leads[month]) / len(leads[month]), 1)
            if leads[month]
            else None,
        }
        for month in sorted(rows)
    ]


def _lead_time(implemented) -> float | None:
    hours = [
        _hours(c.submitted_at, c.actual_end)
        for c in implemented.only("submitted_at", "actual_end")
        if c.submitted_at and c.actual_end
    ]
    return round(sum(hours) / len(hours), 1) if hours else None


def _hours(start, end) -> float:
    return (end - start).total_seconds() / 3600


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None
