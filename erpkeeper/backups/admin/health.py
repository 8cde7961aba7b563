"""How a target's backups stand, for the dashboard's cards and the target's page.

A failed newest backup, a failed newest verification, a failed last drill or an open critical
notification make the target "down"; a newest good backup older than the RPO, "warning".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup, BackupStatus, Drill
from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.core.runs import RunStatus

DOWN = "down"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    state: str  # DOWN or WARNING
    text: str
    event: str = ""  # the outbox event that reports the same problem, if any


@dataclass
class BackupHealth:
    newest: Backup | None = None  # the newest finished backup, succeeded or failed
    newest_good: Backup | None = None
    last_verified: Backup | None = None
    last_drill: Drill | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def state(self) -> str:
        states = {problem.state for problem in self.problems}
        if DOWN in states:
            return DOWN
        return WARNING if WARNING in states else "ok"


def backup_health(target, now: dt.datetime | None = None) -> BackupHealth:
    now = now or timezone.now()
    backups = Backup.objects.filter(target=target).order_by("-started")
    health = BackupHealth(
        newest=backups.filter(status__in=[BackupStatus.SUCCEEDED, BackupStatus.FAILED]).first(),
        newest_good=backups.filter(status=BackupStatus.SUCCEEDED).first(),
        last_verified=backups.filter(verified_at__isnull=False).order_by("-verified_at").first(),
        last_drill=(
            Drill.objects.filter(target=target)
            .exclude(status=RunStatus.RUNNING)
            .order_by("-started")
            .first()
        ),
    )
    health.problems = [
        problem
        for problem in (
            _failed_backup(health.newest, now),
            _failed_verification(health.last_verified, now),
            _failed_drill(health.last_drill, now),
            _stale_backup(target, health.newest_good, now),
        )
        if problem is not None
    ]
    health.problems += _open_critical_alerts(target, {p.event for p in health.problems})
    return health


def _failed_backup(backup: Backup | None, now) -> Problem | None:
    if backup is None or backup.status != BackupStatus.FAILED:
        return None
    text = _("Backup failed %(ago)s ago") % {"ago": _ago(backup.finished or backup.started, now)}
    if backup.error:
        text += f": {_shorten(backup.error)}"
    return Problem(DOWN, text, "backup_failed")


def _failed_verification(backup: Backup | None, now) -> Problem | None:
    if backup is None or backup.verify_ok is not False:
        return None
    text = _("Verification of backup #%(id)s failed %(ago)s ago") % {
        "id": backup.pk,
        "ago": _ago(backup.verified_at, now),
    }
    return Problem(DOWN, text, "verification_failed")


def _failed_drill(drill: Drill | None, now) -> Problem | None:
    if drill is None or drill.status != RunStatus.FAILED:
        return None
    text = _("Recovery drill failed %(ago)s ago") % {
        "ago": _ago(drill.finished or drill.started, now)
    }
    if drill.error:
        text += f": {_shorten(drill.error)}"
    return Problem(DOWN, text, "drill_failed")


def _stale_backup(target, newest_good: Backup | None, now) -> Problem | None:
    # A target never backed up yet is not flagged here: its first scheduled backup is pending.
    if newest_good is None:
        return None
    age = now - newest_good.started
    if age <= dt.timedelta(minutes=target.rpo_minutes):
        return None
    return Problem(
        WARNING,
        _("Newest backup is %(age)s old, older than the RPO of %(rpo)s")
        % {"age": _ago(newest_good.started, now), "rpo": minutes_text(target.rpo_minutes)},
    )


def _open_critical_alerts(target, explained_events: set[str]) -> list[Problem]:
    alerts = outbox.open_alerts(target).filter(severity=OutboxMessage.Severity.CRITICAL)
    return [
        Problem(DOWN, alert.subject, alert.event)
        for alert in alerts.order_by("-created")[:3]
        if alert.event not in explained_events
    ]


def minutes_text(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return _("%(count)d d") % {"count": days}
    if minutes % 60 == 0:
        return _("%(count)d h") % {"count": minutes // 60}
    return _("%(count)d min") % {"count": minutes}


def _ago(moment, now) -> str:
    return timesince(moment, now, depth=1)


def _shorten(text: str, limit: int = 120) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
