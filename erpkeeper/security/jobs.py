"""Background work of the security app: access snapshots (daily and on demand) and the hourly
reading of the ERP's sessions into ERPKeeper's login history."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.core.jobs import JobError, job_kind
from erpkeeper.core.scheduler import register_periodic
from erpkeeper.security import services
from erpkeeper.security.services.snapshots import LOGINS_KIND
from erpkeeper.targets.models import Target

EXPECTED = (JobError, services.SnapshotFailed, services.ChecksFailed)


@job_kind(
    services.SNAPSHOT_KIND, label=_("Access snapshot"), needs_target=True, expected_errors=EXPECTED
)
def snapshot_job(ctx):
    snapshot = services.take_snapshot(ctx.target, job=ctx.job, progress=ctx.progress)
    ctx.result.update(
        {
            "snapshot_id": snapshot.pk,
            "users": snapshot.users,
            "conflicts": snapshot.conflicts,
            "changes": snapshot.changes,
            "unchanged": snapshot.unchanged,
        }
    )
    ctx.log(f"snapshot {snapshot.pk}: {snapshot.users} users, {snapshot.conflicts} SoD conflicts")
    ctx.progress(100, "done")


@job_kind(LOGINS_KIND, label=_("Read ERP logins"), needs_target=True, expected_errors=EXPECTED)
def logins_job(ctx):
    ctx.result["sightings"] = services.poll_logins(ctx.target)


@job_kind(
    services.CHECK_KIND, label=_("Security checks"), needs_target=True, expected_errors=EXPECTED
)
def checks_job(ctx):
    ctx.progress(10, "checking")
    run = services.run_checks(ctx.target, job=ctx.job)
    ctx.result.update(
        {"check_run_id": run.pk, "score": run.score, "passed": run.passed, "failed": run.failed}
    )
    ctx.log(f"check run {run.pk}: score {run.score}, {run.failed} failed")
    ctx.progress(100, "done")


register_periodic(
    "security.checks",
    cron="50 2 * * *",
    kind=services.CHECK_KIND,
    targets="each",
    description="daily security checks of every target",
)
register_periodic(
    "security.snapshot",
    cron="40 2 * * *",
    kind=services.SNAPSHOT_KIND,
    targets="each",
    description="daily access snapshot of every target",
)


def _targets_without_snapshot():
    """A new target (the demo at first start included) gets its first snapshot within five
    minutes, not at the next night's run."""
    return list(Target.objects.filter(access_snapshots__isnull=True))


register_periodic(
    "security.first_snapshot",
    cron="*/5 * * * *",
    kind=services.SNAPSHOT_KIND,
    targets=_targets_without_snapshot,
    description="first access snapshot of a target that has none",
)
register_periodic(
    "security.logins",
    cron="7 * * * *",
    kind=LOGINS_KIND,
    targets="each",
    description="hourly reading of ERP sessions into the login history",
)
register_periodic(
    "security.reviews",
    cron="20 * * * *",
    call=services.follow_up_campaigns,
    description="access review campaigns: reminders before the deadline, escalation when overdue",
)
