"""The "Backups and recovery" panel of a target's page: the last 30 days as a chart, where the
backups are and how much they take, what runs next, the newest backup and drill, and buttons."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups import services
from erpkeeper.backups.admin.drills import objective_text
from erpkeeper.backups.admin.health import backup_health, minutes_text
from erpkeeper.backups.admin.policies import SCHEDULED_KINDS, next_runs, schedule_text
from erpkeeper.backups.models import Backup, BackupPolicy, BackupStatus
from erpkeeper.lib.admin import BAD_COLOR, OK_COLOR, when_text
from erpkeeper.lib.plugins import TargetPanel

TIMELINE_DAYS = 30
SIZE_UNITS = [("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)]


def target_panel(request, target) -> TargetPanel | None:
    """The backups panel above a target's page, for those who may see backups."""
    if not request.user.has_perm("backups.view_backup"):
        return None
    context = target_panel_context(request, target)
    return TargetPanel("backup_panel", "backups/admin/target_panel.html", context)


def target_panel_context(request, target) -> dict:
    policy = (
        BackupPolicy.objects.filter(target=target)
        .select_related("destination", "offsite_destination")
        .first()
    )
    runs = next_runs(target)
    health = backup_health(target)
    return {
        "target": target,
        "policy": policy,
        "schedule": schedule_text(policy) if policy else "",
        "health": health,
        **drill_objectives(health.last_drill),
        "timeline": json.dumps(timeline_chart(target)),
        "timeline_days": TIMELINE_DAYS,
        "usage": services.usage_by_destination(target),
        "next_runs": [(label, when_text(runs[kind])) for kind, label in SCHEDULED_KINDS.items()],
        "rpo": minutes_text(target.rpo_minutes),
        "rto": minutes_text(target.rto_minutes),
        "buttons": panel_buttons(request, target, policy),
        "backups_url": _filtered("admin:backups_backup_changelist", target),
        "drills_url": _filtered("admin:backups_drill_changelist", target),
        "ok_color": OK_COLOR,
        "bad_color": BAD_COLOR,
    }


def drill_objectives(drill) -> dict:
    if drill is None:
        return {"drill_rto": "", "drill_rpo": ""}
    return {
        "drill_rto": objective_text(drill.rto_seconds, drill.rto_target_seconds, drill.rto_met),
        "drill_rpo": objective_text(drill.rpo_seconds, drill.rpo_target_seconds, drill.rpo_met),
    }


def timeline_chart(target, now: dt.datetime | None = None) -> dict:
    """One bar per finished backup of the last 30 days: size stored, green or red."""
    since = (now or timezone.now()) - dt.timedelta(days=TIMELINE_DAYS)
    backups = list(
        Backup.objects.filter(target=target, started__gte=since)
        .exclude(status=BackupStatus.RUNNING)
        .order_by("started")
    )
    unit, divisor = _size_unit(max((b.stored_bytes for b in backups), default=0))
    return {
        "labels": [timezone.localtime(b.started).strftime("%m-%d %H:%M") for b in backups],
        "datasets": [
            {
                "label": _("Stored size (%(unit)s)") % {"unit": unit},
                "data": [round(b.stored_bytes / divisor, 2) for b in backups],
                "backgroundColor": [
                    BAD_COLOR if b.status == BackupStatus.FAILED else OK_COLOR for b in backups
                ],
                # A failed backup stored nothing: a short red bar still marks it.
                "minBarLength": 10,
                "maxBarThickness": 28,
                "displayYAxis": True,
                "suffixYAxis": unit,
            }
        ],
    }


def panel_buttons(request, target, policy) -> list[dict]:
    user = request.user
    buttons = []
    query = "?" + urlencode({"target": target.pk})
    if user.has_perm("backups.add_backup"):
        url = reverse("admin:backups_backup_back_up_now") + query
        buttons.append(_button(_("Back up now"), "backup", url, dialog=True, primary=True))
    if user.has_perm("backups.add_drill"):
        url = reverse("admin:backups_drill_run_drill_now") + query
        buttons.append(_button(_("Run drill"), "model_training", url, dialog=True))
    if policy is not None and user.has_perm("backups.view_backuppolicy"):
        can_change = user.has_perm("backups.change_backuppolicy")
        label = _("Edit policy") if can_change else _("Backup policy")
        url = reverse("admin:backups_backuppolicy_change", args=[policy.pk])
        buttons.append(_button(label, "tune", url))
        url = reverse("admin:backups_backuppolicy_runbook", args=[policy.pk])
        buttons.append(_button(_("Runbook"), "menu_book", url))
    return buttons


def _button(label, icon, url, *, dialog=False, primary=False) -> dict:
    return {"label": label, "icon": icon, "url": url, "dialog": dialog, "primary": primary}


def _filtered(url_name: str, target) -> str:
    return reverse(url_name) + "?" + urlencode({"target__id__exact": target.pk})


def _size_unit(largest: int) -> tuple[str, int]:
    for unit, divisor in SIZE_UNITS:
        if largest >= divisor:
            return unit, divisor
    return "KB", 1000
