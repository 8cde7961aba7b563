"""The console's home page: one card per target (reachability, backups, drills, firing alerts),
job counts, open notifications, firing alerts, this machine's CPU and memory, and a chart of
recent job runs."""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from erpkeeper.backups.admin.health import backup_health
from erpkeeper.core import outbox
from erpkeeper.core.models import Job
from erpkeeper.targets.models import Target

CHART_DAYS = 14
# Inline colours: unfold ships a pre-built Tailwind stylesheet without every colour class.
STATE_COLORS = {"ok": "#16a34a", "warning": "#f59e0b", "down": "#dc2626", "unknown": "#94a3b8"}
STATE_ICONS = {"ok": "check_circle", "warning": "warning", "down": "error", "unknown": "help"}
STATE_RANK = {"ok": 0, "unknown": 1, "warning": 2, "down": 3}
# Text on white: a darker amber than the border's reads better.
REASON_COLORS = {"warning": "#b45309", "down": "#dc2626"}


def dashboard_callback(request, context):
    can_see_targets = request.user.has_perm("targets.view_target")
    can_see_jobs = request.user.has_perm("core.view_job")
    can_see_backups = request.user.has_perm("backups.view_backup")
    can_see_notifications = request.user.has_perm("core.view_outboxmessage")
    can_see_alerts = request.user.has_perm("alerts.view_alert")
    cards = target_cards(with_backups=can_see_backups, with_alerts=can_see_alerts)
    context.update(
        target_cards=cards if can_see_targets else [],
        can_see_targets=can_see_targets,
        can_add_target=request.user.has_perm("targets.add_target"),
        can_see_jobs=can_see_jobs,
        job_summary=job_summary() if can_see_jobs else {},
        job_chart=json.dumps(job_chart()) if can_see_jobs else "",
        can_see_notifications=can_see_notifications,
        open_notifications=outbox.open_alerts().count() if can_see_notifications else 0,
        can_see_alerts=can_see_alerts,
        firing_alerts=firing_summary() if can_see_alerts else {},
        machine=machine_card() if request.user.has_perm("monitoring.view_series") else None,
    )
    return context


def target_cards(with_backups: bool = True, with_alerts: bool = True) -> list[dict]:
    targets = list(Target.objects.all())
    last_jobs = _last_job_per_target([t.pk for t in targets])
    alerts = firing_alerts_by_target() if with_alerts else {}
    return [
        _card(
            target,
            last_jobs.get(target.pk),
            backup_health(target) if with_backups else None,
            alerts.get(target.pk, []),
        )
        for target in targets
    ]


def _card(target: Target, last_job: Job | None, health, alerts=()) -> dict:
    facts = target.facts or {}
    reachability = {True: "ok", False: "down", None: "unknown"}[target.last_check_ok]
    reasons = _reasons(target, last_job, health) + _alert_reasons(alerts)
    reasons.sort(key=lambda reason: -STATE_RANK[reason["state"]])
    state = max([reachability, *(reason["state"] for reason in reasons)], key=STATE_RANK.get)
    return {
        "target": target,
        "state": state,
        "reachability": reachability,
        "reasons": reasons,
        "color": STATE_COLORS[state],
        "icon": STATE_ICONS[state],
        "erp_version": facts.get("erp_version", ""),
        "db_engine": facts.get("db_engine", target.database_engine),
        "db_size": facts.get("db_size_bytes"),
        "users": (facts.get("counts") or {}).get("users"),
        "sales": (facts.get("counts") or {}).get("sales"),
        "modules": len(facts.get("modules") or []),
        "last_job": last_job,
        "backups_shown": health is not None,
        "last_backup": health.newest if health is not None else None,
        "url": reverse("admin:targets_target_change", args=[target.pk]),
    }


def _reasons(target: Target, last_job: Job | None, health) -> list[dict]:
    """Why a card is not green, worst first, each line in its own colour."""
    reasons = []
    if target.last_check_ok is False and target.last_check_error:
        reasons.append(_reason("down", target.last_check_error))
    if health is not None:
        reasons += [_reason(problem.state, problem.text) for problem in health.problems]
    last_job_failed = last_job is not None and last_job.status == Job.Status.FAILED
    # A failed backup job is already explained by the backup's own line.
    if last_job_failed and target.last_check_ok and not reasons:
        reasons.append(_reason("warning", _("Last job failed: %(kind)s") % {"kind": last_job.kind}))
    return sorted(reasons, key=lambda reason: -STATE_RANK[reason["state"]])


def _reason(state: str, text: str) -> dict:
    return {"state": state, "text": text, "color": REASON_COLORS[state]}


# -- monitoring: firing alerts and this machine ---------------------------------------------------


def firing_alerts_by_target() -> dict[int, list]:
    """Firing alerts per target id: the target's own and those of the hosts it runs on."""
    from erpkeeper.alerts.models import Alert, AlertState
    from erpkeeper.monitoring.placement import hosts_running_each

    firing = list(Alert.objects.filter(state=AlertState.FIRING).order_by("severity", "-started"))
    host_alerts = [alert for alert in firing if not alert.target_id and alert.host_id]
    by_target: dict[int, list] = {}
    for alert in firing:
        if alert.target_id:
            by_target.setdefault(alert.target_id, []).append(alert)
    if host_alerts:
        placed = hosts_running_each(Target.objects.values_list("pk", flat=True))
        for target_id, hosts in placed.items():
            for alert in host_alerts:
                if alert.host_id in hosts:
                    by_target.setdefault(target_id, []).append(alert)
    return by_target


def _alert_reasons(alerts) -> list[dict]:
    # A critical alert turns the card red, a warning amber; three lines at most per card.
    reasons = [
        _reason("down" if alert.severity == "critical" else "warning", alert.summary)
        for alert in alerts
    ]
    if len(reasons) > 3:
        extra = len(reasons) - 2
        reasons = reasons[:2] + [
            _reason(
                reasons[2]["state"],
                ngettext("and %(n)d more alert", "and %(n)d more alerts", extra) % {"n": extra},
            )
        ]
    return reasons


def firing_summary() -> dict:
    from erpkeeper.alerts.models import Alert, AlertState

    counts = Alert.objects.filter(state=AlertState.FIRING).aggregate(
        total=Count("id"), critical=Count("id", filter=Q(severity="critical"))
    )
    color = "#dc2626" if counts["critical"] else ("#d97706" if counts["total"] else "")
    url = reverse("admin:alerts_alert_changelist") + "?state__exact=firing"
    return {**counts, "color": color, "url": url}


def machine_card(now: dt.datetime | None = None) -> dict | None:
    """CPU and memory of the machine ERPKeeper runs on, over the last 6 hours (None when the
    embedded collector has not reported: no card rather than an empty one)."""
    from erpkeeper.alerts.admin.panel import SPARK_SPAN, format_value, sparkline
    from erpkeeper.monitoring.models import Host, HostKind
    from erpkeeper.monitoring.storage.query import find_series, latest, series_points

    host = Host.objects.filter(kind=HostKind.EMBEDDED).order_by("pk").first()
    if host is None:
        return None
    now = now or timezone.now()
    rows = []
    for metric, title in (("host.cpu.percent", _("CPU")), ("host.memory.percent", _("Memory"))):
        series = find_series(metric=metric, host=host).filter(target__isnull=True).first()
        if series is None:
            continue
        points = series_points([series.pk], now - SPARK_SPAN, now, max_points=48)[series.pk]
        value = latest([series.pk]).get(series.pk)
        rows.append(
            {
                "title": title,
                "text": format_value(value[1] if value else None, "%"),
                "sparkline": sparkline([mean for _t, _low, mean, _high in points]),
            }
        )
    if not rows:
        return None
    return {"host": host, "rows": rows, "url": reverse("monitoring-host-charts", args=[host.pk])}


def _last_job_per_target(target_ids: list[int]) -> dict[int, Job]:
    latest: dict[int, Job] = {}
    if not target_ids:
        return latest
    # One query: newest first, keep the first seen per target (small: bounded by recent jobs).
    recent = Job.objects.filter(target_id__in=target_ids).order_by("-created")[:500]
    for job in recent.select_related("target"):
        latest.setdefault(job.target_id, job)
    return latest


def job_summary() -> dict:
    since = timezone.now() - dt.timedelta(hours=24)
    counts = Job.objects.aggregate(
        running=Count("id", filter=Q(status=Job.Status.RUNNING)),
        queued=Count("id", filter=Q(status=Job.Status.QUEUED)),
        failed_24h=Count("id", filter=Q(status=Job.Status.FAILED, created__gte=since)),
        succeeded_24h=Count("id", filter=Q(status=Job.Status.SUCCEEDED, created__gte=since)),
    )
    return counts


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
