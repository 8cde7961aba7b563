"""Core's part of the dashboard: job counts, the job-run chart, each target's last job and the
open notifications (contributed to the console's board; see erpkeeper.lib.dashboard)."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.core import outbox
from erpkeeper.core.jobs.registry import kind_label
from erpkeeper.core.models import Job
from erpkeeper.lib.admin import BAD_COLOR as RED
from erpkeeper.lib.admin import OK_COLOR as GREEN
from erpkeeper.lib.dashboard import Board, Panel, Tile

CHART_DAYS = 14


def contribute(board: Board) -> None:
    if board.user.has_perm("core.view_job"):
        _add_jobs(board)
    if board.user.has_perm("core.view_outboxmessage"):
        _add_notifications(board)


def _add_jobs(board: Board) -> None:
    summary = job_summary()
    queued = ngettext("%(n)d queued", "%(n)d queued", summary["queued"]) % {"n": summary["queued"]}
    failed = summary["failed_24h"]
    board.tiles += [
        Tile(_("Jobs running"), summary["running"], subtitle=queued, order=20),
        Tile(_("Succeeded (24 h)"), summary["succeeded_24h"], color=GREEN, order=30),
        Tile(_("Failed (24 h)"), failed, color=RED if failed else "", order=40),
    ]
    board.panels.append(
        Panel("core/dashboard/job_chart.html", {"job_chart": json.dumps(job_chart())}, wide=True)
    )
    board.context.update(can_see_jobs=True, job_summary=summary)
    for target_id, job in _last_job_per_target(list(board.cards)).items():
        text = f"{kind_label(job.kind)} · {job.get_status_display()}"
        board.add_row(target_id, _("Last job"), text)
        if job.status == Job.Status.FAILED:
            reason = _("Last job failed: %(kind)s") % {"kind": kind_label(job.kind)}
            board.add_reason(target_id, "warning", reason, unless_explained=True)


def _add_notifications(board: Board) -> None:
    count = outbox.open_alerts().count()
    board.tiles.append(
        Tile(
            _("Open notifications"),
            count,
            subtitle=_("Show them"),
            url=reverse("admin:core_outboxmessage_changelist"),
            color=RED if count else "",
            testid="open-notifications",
            order=50,
        )
    )
    board.context["open_notifications"] = count


def _last_job_per_target(target_ids: list[int]) -> dict[int, Job]:
    latest: dict[int, Job] = {}
    if not target_ids:
        return latest
    # One query: newest first, keep the first seen per target (small: bounded by recent jobs).
    recent = Job.objects.filter(target_id__in=target_ids).order_by("-created")[:500]
    for job in recent:
        latest.setdefault(job.target_id, job)
    return latest


def job_summary() -> dict:
    since = timezone.now() - dt.timedelta(hours=24)
    return Job.objects.aggregate(
        running=Count("id", filter=Q(status=Job.Status.RUNNING)),
        queued=Count("id", filter=Q(status=Job.Status.QUEUED)),
        failed_24h=Count("id", filter=Q(status=Job.Status.FAILED, created__gte=since)),
        succeeded_24h=Count("id", filter=Q(status=Job.Status.SUCCEEDED, created__gte=since)),
    )


def job_chart() -> dict:
    today = timezone.localdate()
    days = [today - dt.timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]
    start = timezone.make_aware(dt.datetime.combine(days[0], dt.time.min))
    succeeded = dict.fromkeys(days, 0)
    failed = dict.fromkeys(days, 0)
    # Counted by the database per local day: the dashboard must not read every recent job row.
    rows = (
        Job.objects.filter(created__gte=start, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED])
        .annotate(day=TruncDate("created", tzinfo=timezone.get_current_timezone()))
        .values("day", "status")
        .annotate(count=Count("id"))
    )
    for row in rows:
        bucket = succeeded if row["status"] == Job.Status.SUCCEEDED else failed
        if row["day"] in bucket:
            bucket[row["day"]] += row["count"]
    return {
        "labels": [day.strftime("%m-%d") for day in days],
        "datasets": [
            {
                "label": _("Succeeded"),
                "data": list(succeeded.values()),
                "backgroundColor": "#22c55e",
            },
            {"label": _("Failed"), "data": list(failed.values()), "backgroundColor": "#ef4444"},
        ],
    }
