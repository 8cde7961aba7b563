"""Background work for backups: take, verify, restore, drill, and the weekly off-peak hour."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupPolicy, BackupStatus, BackupTrigger, Drill
from erpkeeper.core.jobs import JobError, enqueue, job_kind
from erpkeeper.core.scheduler import Schedule, register_periodic, schedule_source
from erpkeeper.lib import crypto

EXPECTED = (
    JobError,
    services.BackupFailed,
    services.VerificationFailed,
    services.RestoreFailed,
    services.RestoreRefused,
    services.DrillFailed,
)


@job_kind("backup.run", label=_("Backup"), needs_target=True, expected_errors=EXPECTED)
def backup_job(ctx):
    trigger = ctx.params.get("trigger", BackupTrigger.MANUAL)
    backup = services.run_backup(ctx.target, trigger=trigger, job=ctx.job, progress=ctx.progress)
    ctx.result.update(backup_summary(backup))
    ctx.log(f"backup {backup.pk} succeeded: {backup.stored_bytes} bytes stored")
    pruned = services.apply_retention(ctx.target)
    if pruned:
        ctx.log("retention removed backups " + ", ".join(str(b.pk) for b in pruned))
    ctx.result["pruned"] = [b.pk for b in pruned]
    if ctx.params.get("then_drill"):
        drill_job = enqueue("backup.drill", target=ctx.target, note=f"after backup {backup.pk}")
        ctx.log(f"queued recovery drill as job {drill_job.pk}")
    ctx.progress(100, "done")


# Verify and restore need no target: backups outlive theirs (a removed target's backups stay,
# restorable into a given database); the job names the backup in its parameters.
@job_kind("backup.verify", label=_("Verify backup"), expected_errors=EXPECTED)
def verify_job(ctx):
    if not ctx.params.get("backup_id") and not _has_succeeded_backup(ctx.target):
        ctx.log(f"{ctx.target.name} has no succeeded backup yet: nothing to verify")
        return
    backup = _backup_from_params(ctx)
    services.verify_backup(
        backup, progress=ctx.progress, read_data_percent=ctx.params.get("read_data_percent")
    )
    ctx.result.update(backup_summary(backup))
    ctx.log(f"backup {backup.pk} verified")


@job_kind("backup.restore", label=_("Restore backup"), expected_errors=EXPECTED)
def restore_job(ctx):
    backup = _backup_from_params(ctx)
    encrypted_url = ctx.params.get("to_url_encrypted", "")
    restore = services.restore_backup(
        backup,
        to_url=crypto.decrypt(encrypted_url) if encrypted_url else "",
        replace=bool(ctx.params.get("replace")),
        confirm_name=ctx.params.get("confirm_name", ""),
        files_to=ctx.params.get("files_to", ""),
        job=ctx.job,
        progress=ctx.progress,
    )
    ctx.result.update(
        {
            "restore_id": restore.pk,
            "restored_into": restore.destination_masked,
            "safety_backup_id": restore.safety_backup_id,
        }
    )
    ctx.log(f"backup {backup.pk} restored into {restore.destination_masked}")
    if restore.warnings:
        ctx.result["warnings"] = restore.warnings
        for warning in restore.warnings:
            ctx.log(f"warning: {warning}")


@job_kind("backup.drill", label=_("Recovery drill"), needs_target=True, expected_errors=EXPECTED)
def drill_job(ctx):
    drill = services.run_drill(ctx.target, job=ctx.job, progress=ctx.progress)
    ctx.result.update(drill_summary(drill))
    if drill.error:
        raise JobError(drill.error)
    ctx.log(f"drill {drill.pk} passed: RTO {drill.rto_seconds:.0f} s")
    ctx.progress(100, "done")


@job_kind("backup.offpeak", label=_("Find the off-peak hour"), needs_target=True)
def offpeak_job(ctx):
    policy = services.policy_for(ctx.target)
    hour = services.recompute_offpeak_hour(policy)
    ctx.result.update({"hour": hour, "basis": policy.auto_hour_basis})
    ctx.log(f"off-peak hour {hour:02d}:00 ({policy.auto_hour_basis})")


def _backup_from_params(ctx) -> Backup:
    backup_id = ctx.params.get("backup_id")
    if backup_id:  # by id alone: its target may have been removed
        backup = Backup.objects.filter(pk=backup_id).first()
        if backup is None:
            raise JobError(_("there is no backup %(id)s") % {"id": backup_id})
        return backup
    if ctx.target is None:
        raise JobError(_("name a backup or a target"))
    backup = (
        Backup.objects.filter(target=ctx.target, status=BackupStatus.SUCCEEDED)
        .order_by("-started")
        .first()
    )
    if backup is None:
        raise JobError(_("%(target)s has no succeeded backup") % {"target": ctx.target.name})
    return backup


def _has_succeeded_backup(target) -> bool:
    return Backup.objects.filter(target=target, status=BackupStatus.SUCCEEDED).exists()


def backup_summary(backup: Backup) -> dict:
    return {
        "backup_id": backup.pk,
        "status": backup.status,
        "raw_bytes": backup.raw_bytes,
        "stored_bytes": backup.stored_bytes,
        "verify_ok": backup.verify_ok,
    }


def drill_summary(drill: Drill) -> dict:
    return {
        "drill_id": drill.pk,
        "status": drill.status,
        "rto_seconds": drill.rto_seconds,
        "rpo_seconds": drill.rpo_seconds,
        "rto_met": drill.rto_met,
        "rpo_met": drill.rpo_met,
    }


@schedule_source
def policy_schedules():
    """One schedule per policy for backups, verification and drills (kept as data)."""
    for policy in BackupPolicy.objects.select_related("target"):
        yield from _schedules_of(policy)


def _schedules_of(policy: BackupPolicy):
    target = policy.target
    pick = [target]
    if policy.enabled:
        yield Schedule(
            name=f"backup.run:{target.pk}",
            cron=policy.backup_cron(),
            kind="backup.run",
            targets=lambda: pick,
            params={"trigger": BackupTrigger.SCHEDULED},
            description=f"backup of {target.name}",
        )
    if policy.verify_cron:
        yield Schedule(
            name=f"backup.verify:{target.pk}",
            cron=policy.verify_cron,
            kind="backup.verify",
            targets=lambda: pick,
            description=f"verification of {target.name}'s newest backup",
        )
    if policy.drill_enabled and policy.drill_cron:
        yield Schedule(
            name=f"backup.drill:{target.pk}",
            cron=policy.drill_cron,
            kind="backup.drill",
            targets=lambda: pick,
            description=f"recovery drill of {target.name}",
        )


def _auto_policy_targets():
    return [
        p.target for p in BackupPolicy.objects.filter(schedule_mode="auto").select_related("target")
    ]


register_periodic(
    "backups.offpeak", cron="15 1 * * 1", kind="backup.offpeak", targets=_auto_policy_targets
)
