"""Safety backups: before a change's window opens, each affected target is backed up through
the backups app (``request_backup``, which reuses a backup already queued or running). The
loop (runner.py) calls ``request_due_safety_backups`` every ERPKEEPER_CHANGES_INTERVAL seconds
for changes whose window opens within ERPKEEPER_CHANGES_SAFETY_BACKUP_MINUTES."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.backups.models import Backup
from erpkeeper.backups.services.requests import request_backup
from erpkeeper.changes.models import ChangeRequest, ChangeState, SafetyBackup
from erpkeeper.changes.services import notices
from erpkeeper.core.models import Job, OutboxMessage


@dataclass(frozen=True)
class SafetyStatus:
    """How one target's safety backup stands: queued, running, succeeded, failed or missing."""

    target: str
    status: str
    label: str
    job_id: int | None
    backup_id: int | None
    ok: bool


def request_safety_backups(change: ChangeRequest, actor=None) -> list[SafetyBackup]:
    """Back every affected target up now (once per target and schedule)."""
    made = []
    with transaction.atomic():
        for target in change.targets.all():
            if change.safety_backups.filter(target=target).exists():
                continue
            requested = request_backup(
                target,
                requested_by=actor,
                note=_("safety backup before %(number)s") % {"number": change.number},
            )
            made.append(
                SafetyBackup.objects.create(
                    change=change, target=target, job=requested.job, requested_at=timezone.now()
                )
            )
    return made


def due_changes(now: dt.datetime | None = None, minutes: int | None = None):
    """Scheduled changes whose window opens within ``minutes`` and lack a safety backup."""
    now = now or timezone.now()
    lead = dt.timedelta(minutes=minutes or settings.CHANGES_SAFETY_BACKUP_MINUTES)
    return (
        ChangeRequest.objects.filter(
            state=ChangeState.SCHEDULED,
            planned_start__lte=now + lead,
            planned_end__gt=now,
        )
        .exclude(safety_backups__isnull=False)
        .order_by("planned_start")
    )


def request_due_safety_backups(now=None, minutes=None) -> list[SafetyBackup]:
    made = []
    for change in due_changes(now, minutes):
        made += request_safety_backups(change)
    return made


def watch_safety_backups() -> int:
    """Raise a notice for each scheduled change whose safety backup failed (once per change)."""
    raised = 0
    failing = SafetyBackup.objects.filter(
        change__state=ChangeState.SCHEDULED, job__status=Job.Status.FAILED
    ).select_related("change", "target")
    for safety in failing:
        notices.notify(
            safety.change,
            notices.SAFETY_BACKUP,
            _("The safety backup of %(target)s before %(number)s failed")
            % {"target": safety.target.name, "number": safety.change.number},
            severity=OutboxMessage.Severity.WARNING,
        )
        raised += 1
    return raised


def safety_status(change: ChangeRequest) -> list[SafetyStatus]:
    """Each affected target's safety backup, or ``missing``."""
    taken = {s.target_id: s for s in change.safety_backups.select_related("job")}
    return [_status(target, taken.get(target.pk)) for target in change.targets.all()]


def safety_ok(change: ChangeRequest) -> bool:
    statuses = safety_status(change)
    return bool(statuses) and all(s.ok for s in statuses)


def _status(target, safety: SafetyBackup | None) -> SafetyStatus:
    if safety is None or safety.job is None:
        return SafetyStatus(target.name, "missing", _("Not taken yet"), None, None, False)
    job = safety.job
    backup = Backup.objects.filter(job=job).order_by("-pk").first()
    ok = job.status == Job.Status.SUCCEEDED and backup is not None
    return SafetyStatus(
        target.name,
        job.status,
        job.get_status_display(),
        job.pk,
        backup.pk if backup else None,
        ok,
    )
