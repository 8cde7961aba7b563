"""Console pages that are not model admins, mounted at /changes/: the change calendar (month
and week), its iCal feed, the metrics with their monthly trends, one target's version history."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.changes.services import calendar
from erpkeeper.changes.services.metrics import metrics
from erpkeeper.changes.services.versions import history
from erpkeeper.targets.models import Target

VIEW = "changes.view_changerequest"


def calendar_page(request):
    _require(request, VIEW)
    view = "week" if request.GET.get("view") == "week" else "month"
    day = _day(request.GET.get("date", ""))
    target = _target(request.GET.get("target", ""))
    first, last = _span(view, day)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    found = calendar.entries(start, end, target)
    weeks = _weeks(first, last, found, day)
    step = dt.timedelta(days=7) if view == "week" else dt.timedelta(days=31)
    context = {
        **admin.site.each_context(request),
        "title": _("Change calendar"),
        "view": view,
        "weeks": weeks,
        "day": day,
        "heading": _heading(view, first, last),
        "previous": _month_start(day - step) if view == "month" else day - step,
        "next": _month_start(day + step) if view == "month" else day + step,
        "targets": Target.objects.order_by("name"),
        "target": target,
        "ics_url": reverse("changes-calendar-ics-console")
        + (f"?target={target.name}" if target else ""),
        "weekdays": [month_calendar.day_abbr[i] for i in range(7)],
    }
    return TemplateResponse(request, "changes/calendar.html", context)


def calendar_ics(request):
    """The feed for a signed-in browser (calendar programs use the API's, with a token)."""
    _require(request, VIEW)
    target = _target(request.GET.get("target", ""))
    body = calendar.ical(target, request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="changes.ics"'
    return response


def metrics_page(request):
    _require(request, VIEW)
    found = metrics()
    chart = {
        "labels": [m["month"] for m in found["months"]],
        "changes": [m["changes"] for m in found["months"]],
        "emergency": [m["emergency"] for m in found["months"]],
        "failure_rate": [m["failure_rate"] for m in found["months"]],
        "lead_time": [m["lead_time_hours"] for m in found["months"]],
        "text": {
            "changes": _("Changes"),
            "emergency": _("Emergency changes"),
            "failure_rate": _("Failure rate (%)"),
            "lead_time": _("Lead time (hours)"),
        },
    }
    context = {
        **admin.site.each_context(request),
        "title": _("Change metrics"),
        "m": found,
        "chart": chart,
    }
    return TemplateResponse(request, "changes/metrics.html", context)


def versions_page(request, pk: int):
    _require(request, "changes.view_versionsnapshot")
    target = Target.objects.filter(pk=pk).first()
    if target is None:
        raise Http404(_("No such target."))
    context = {
        **admin.site.each_context(request),
        "title": _("Version history of %(target)s") % {"target": target.name},
        "target": target,
        "rows": history(target),
        "target_url": reverse("admin:targets_target_change", args=[pk]),
        "notes_url": reverse("admin:changes_releasenote_add"),
    }
    return TemplateResponse(request, "changes/versions.html", context)


def _require(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return timezone.localdate()


def _target(name: str):
    if not name:
        return None
    target = Target.objects.filter(name=name).first()
    if target is None:
        raise Http404(_("No such target."))
    return target


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _span(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days shown: the week of ``day``, or whole weeks around its month."""
    if view == "week":
        first = day - dt.timedelta(days=day.weekday())
        return first, first + dt.timedelta(days=6)
    start = day.replace(day=1)
    end = start.replace(day=month_calendar.monthrange(start.year, start.month)[1])
    first = start - dt.timedelta(days=start.weekday())
    last = end + dt.timedelta(days=6 - end.weekday())
    return first, last


def _weeks(first: dt.date, last: dt.date, found, day: dt.date) -> list[list[dict]]:
    weeks, week = [], []
    current = first
    while current <= last:
        week.append(
            {
                "date": current,
                "other_month": current.month != day.month,
                "entries": [e for e in found if _on(e, current)],
            }
        )
        if len(week) == 7:
            weeks.append(week)
            week = []
        current += dt.timedelta(days=1)
    return weeks


def _on(entry, day: dt.date) -> bool:
    start = timezone.localtime(entry.start).date()
    end = timezone.localtime(entry.end - dt.timedelta(microseconds=1)).date()
    return start <= day <= end


def _heading(view: str, first: dt.date, last: dt.date) -> str:
    if view == "week":
        return f"{first.isoformat()} – {last.isoformat()}"
    middle = first + (last - first) / 2
    return middle.strftime("%Y-%m")
