"""The change calendar: scheduled changes, maintenance-window occurrences and blackout windows
between two moments (month and week views), and the iCal feed of scheduled changes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from erpkeeper.changes.models import BlackoutWindow, ChangeRequest, ChangeState
from erpkeeper.targets.models import MaintenanceWindow
from erpkeeper.targets.windows import window_occurrence

SHOWN = (
    ChangeState.APPROVED,
    ChangeState.SCHEDULED,
    ChangeState.IN_PROGRESS,
    ChangeState.IMPLEMENTED,
    ChangeState.FAILED,
    ChangeState.BACKED_OUT,
    ChangeState.REVIEWED,
    ChangeState.CLOSED,
)
FEED = (ChangeState.SCHEDULED, ChangeState.IN_PROGRESS)


@dataclass(frozen=True)
class Entry:
    kind: str  # change | window | blackout
    title: str
    start: dt.datetime
    end: dt.datetime
    url: str = ""
    state: str = ""


def entries(start: dt.datetime, end: dt.datetime, target=None) -> list[Entry]:
    """Everything on the calendar overlapping ``start``..``end``, by start."""
    found = (
        changes(start, end, target) + windows(start, end, target) + blackouts(start, end, target)
    )
    return sorted(found, key=lambda e: (e.start, e.kind))


def changes(start, end, target=None) -> list[Entry]:
    query = ChangeRequest.objects.filter(
        state__in=SHOWN, planned_start__lt=end, planned_end__gt=start
    )
    if target is not None:
        query = query.filter(targets=target)
    return [
        Entry(
            "change",
            f"{c.number} {c.title}",
            c.planned_start,
            c.planned_end,
            reverse("admin:changes_changerequest_change", args=[c.pk]),
            c.state,
        )
        for c in query.distinct().order_by("planned_start")
    ]


def windows(start, end, target=None) -> list[Entry]:
    query = MaintenanceWindow.objects.select_related("target")
    if target is not None:
        query = query.filter(target=target)
    found = []
    for window in query:
        opens, closes = window_occurrence(window, start)
        while opens < end:
            if closes > start:
                found.append(Entry("window", window.target.name, opens, closes))
            opens, closes = opens + dt.timedelta(days=7), closes + dt.timedelta(days=7)
    return found


def blackouts(start, end, target=None) -> list[Entry]:
    query = BlackoutWindow.objects.filter(start__lt=end, end__gt=start)
    if target is not None:
        query = query.filter(all_targets=True) | query.filter(targets=target)
    return [
        Entry(
            "blackout",
            b.name,
            b.start,
            b.end,
            reverse("admin:changes_blackoutwindow_change", args=[b.pk]),
        )
        for b in query.distinct().order_by("start")
    ]


def ical(target=None, base_url: str = "") -> bytes:
    """Scheduled and running changes as an iCalendar (RFC 5545) document."""
    calendar = Calendar()
    calendar.add("prodid", "-//ERPKeeper//changes//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "ERPKeeper changes")
    query = ChangeRequest.objects.filter(state__in=FEED, planned_start__isnull=False)
    if target is not None:
        query = query.filter(targets=target)
    for change in query.distinct().prefetch_related("targets").order_by("planned_start"):
        calendar.add_component(_event(change, base_url))
    return calendar.to_ical()


def _event(change: ChangeRequest, base_url: str) -> Event:
    event = Event()
    event.add("uid", f"{change.number}@erpkeeper")
    event.add("summary", f"{change.number} {change.title}")
    event.add("dtstart", change.planned_start)
    event.add("dtend", change.planned_end)
    event.add("dtstamp", timezone.now())
    event.add("status", "CONFIRMED")
    event.add("categories", [change.get_change_type_display()])
    targets = ", ".join(t.name for t in change.targets.all())
    event.add("description", f"{change.get_state_display()} · {targets}\n{change.description}")
    if base_url:
        path = reverse("admin:changes_changerequest_change", args=[change.pk])
        event.add("url", base_url.rstrip("/") + path)
    return event
