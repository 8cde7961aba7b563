"""Scheduling a change: its planned start and end must lie inside one maintenance window of
every affected target, outside every blackout window that covers one of them, and must not
overlap another scheduled change on the same target. An emergency change may be scheduled
outside windows and blackouts (that is what makes it an emergency); conflicts still count.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.changes.models import BlackoutWindow, ChangeRequest, ChangeState, ChangeType
from erpkeeper.changes.services.requests import ACTIVE, IllegalTransition
from erpkeeper.targets.windows import window_occurrence

# How far in the past a planned start may lie (a form filled in slowly).
PAST_GRACE = dt.timedelta(minutes=5)
SCHEDULABLE = (ChangeState.APPROVED, ChangeState.SCHEDULED)


def schedule(change: ChangeRequest, start: dt.datetime, end: dt.datetime, actor=None, *, now=None):
    """Plan (or re-plan) the change's implementation from ``start`` to ``end``."""
    allowed = SCHEDULABLE
    if change.change_type == ChangeType.EMERGENCY:
        allowed = (*SCHEDULABLE, ChangeState.SUBMITTED)
    if change.state not in allowed:
        raise IllegalTransition(
            _("Only an approved change can be scheduled. %(number)s is %(state)s.")
            % {"number": change.number, "state": change.get_state_display()}
        )
    problems = schedule_problems(change, start, end, now=now)
    if problems:
        raise ValidationError({"planned_start": problems})
    with transaction.atomic():
        change.planned_start, change.planned_end = start, end
        if change.state != ChangeState.SUBMITTED:
            change.state = ChangeState.SCHEDULED
        change.save()
        # A new time needs a new safety backup: the old one is no longer right before it.
        change.safety_backups.all().delete()
    return change


def schedule_problems(change, start, end, *, now=None) -> list[str]:
    """Every reason why ``start``..``end`` does not fit (empty: it fits)."""
    if start is None or end is None:
        return [_("Give both a planned start and a planned end.")]
    if timezone.is_naive(start) or timezone.is_naive(end):
        return [_("Give the planned times with their time zone.")]
    if end <= start:
        return [_("The planned end must come after the planned start.")]
    if start < (now or timezone.now()) - PAST_GRACE:
        return [_("The planned start lies in the past.")]
    targets = list(change.targets.all())
    problems = []
    if change.change_type != ChangeType.EMERGENCY:
        problems += [p for target in targets if (p := window_problem(target, start, end))]
        problems += [blackout_text(b) for b in blackouts(targets, start, end)]
    problems += [conflict_text(other) for other in conflicts(change, targets, start, end)]
    return problems


def window_problem(target, start: dt.datetime, end: dt.datetime) -> str:
    windows = list(target.maintenance_windows.all())
    if not windows:
        return _("%(target)s has no maintenance window: add one to the target first.") % {
            "target": target.name
        }
    for window in windows:
        opens, closes = window_occurrence(window, start)
        if opens <= start and end <= closes:
            return ""
    return _(
        "%(start)s to %(end)s is outside every maintenance window of %(target)s (%(windows)s)."
    ) % {
        "start": _local(start),
        "end": _local(end),
        "target": target.name,
        "windows": "; ".join(str(w) for w in windows),
    }


def blackouts(targets, start: dt.datetime, end: dt.datetime):
    covering = Q(all_targets=True) | Q(targets__in=targets)
    return (
        BlackoutWindow.objects.filter(covering, start__lt=end, end__gt=start)
        .distinct()
        .order_by("start")
    )


def conflicts(change, targets, start: dt.datetime, end: dt.datetime):
    """Other scheduled or running changes on one of ``targets`` overlapping the time."""
    return (
        ChangeRequest.objects.filter(
            state__in=ACTIVE,
            targets__in=targets,
            planned_start__lt=end,
            planned_end__gt=start,
        )
        .exclude(pk=change.pk)
        .distinct()
        .order_by("planned_start")
    )


def blackout_text(blackout: BlackoutWindow) -> str:
    return _("It falls in the blackout window %(name)s (%(start)s to %(end)s).") % {
        "name": blackout.name,
        "start": _local(blackout.start),
        "end": _local(blackout.end),
    }


def conflict_text(other: ChangeRequest) -> str:
    return _("It overlaps %(number)s (%(title)s, %(start)s to %(end)s) on the same target.") % {
        "number": other.number,
        "title": other.title,
        "start": _local(other.planned_start),
        "end": _local(other.planned_end),
    }


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
