"""Backup policies: one per target, created with safe defaults on first use."""

from __future__ import annotations

import shutil

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from erpkeeper.backups.models import BackupPolicy, RepositoryKind, ScheduleMode
from erpkeeper.backups.services.destinations import default_destination
from erpkeeper.core.scheduler import parse_cron
from erpkeeper.lib import crypto, dburl

EDITABLE_FIELDS = (
    "enabled",
    "schedule_mode",
    "cron",
    "include_database",
    "include_file_store",
    "include_platform",
    "keep_last",
    "keep_daily",
    "keep_weekly",
    "keep_monthly",
    "keep_yearly",
    "destination",
    "offsite_destination",
    "repository_kind",
    "encrypt",
    "compression_level",
    "parallel_jobs",
    "verify_cron",
    "drill_enabled",
    "drill_cron",
)
CRON_FIELDS = ("cron", "verify_cron", "drill_cron")


def policy_for(target) -> BackupPolicy:
    """The target's policy; a default one (auto off-peak, local, encrypted) if it has none."""
    policy = BackupPolicy.objects.filter(target=target).first()
    if policy is None:
        policy = BackupPolicy(target=target, destination=default_destination())
        policy.save()
    return policy


def update_policy(policy: BackupPolicy, *, drill_database_url: str | None = None, **changes):
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("unknown fields: %s") % ", ".join(sorted(unknown)))
    for name, value in changes.items():
        setattr(policy, name, value)
    if drill_database_url is not None:
        set_drill_database_url(policy, drill_database_url)
    validate_policy(policy)
    policy.save()
    return policy


def set_drill_database_url(policy: BackupPolicy, url: str) -> None:
    """Where drills restore to (another server); empty: next to the original database."""
    if not url:
        policy.drill_database_url_encrypted = ""
        return
    parsed = dburl.parse(url)
    if parsed.engine != policy.target.database_engine:
        raise ValidationError(
            {"drill_database_url": _("The drill server must run the target's database engine.")}
        )
    policy.drill_database_url_encrypted = crypto.encrypt(parsed.unparse())


def drill_database_url(policy: BackupPolicy) -> str:
    if not policy.drill_database_url_encrypted:
        return ""
    return crypto.decrypt(policy.drill_database_url_encrypted)


def _restic_errors(policy: BackupPolicy) -> dict:
    errors = {}
    if shutil.which("restic") is None:
        errors["repository_kind"] = _(
            "restic is not installed on the ERPKeeper host: install the Debian package restic "
            "(apt-get install restic), or keep full artifacts."
        )
    if policy.offsite_destination_id:
        errors["offsite_destination"] = _(
            "Off-site copies of a restic repository are not supported yet: back up to the "
            "off-site destination instead, or keep full artifacts."
        )
    return errors


def validate_policy(policy: BackupPolicy) -> None:
    errors = {}
    for name in CRON_FIELDS:
        value = getattr(policy, name)
        if value:
            try:
                parse_cron(value)
            except ValueError as exc:
                errors[name] = str(exc)
    if policy.schedule_mode == ScheduleMode.CRON and not policy.cron:
        errors["cron"] = _("Give a cron expression, or choose the automatic off-peak hour.")
    if policy.repository_kind == RepositoryKind.RESTIC:
        errors.update(_restic_errors(policy))
    if policy.offsite_destination_id and policy.offsite_destination_id == policy.destination_id:
        errors["offsite_destination"] = _("The off-site copy must go to another destination.")
    keeps = (
        policy.keep_last,
        policy.keep_daily,
        policy.keep_weekly,
        policy.keep_monthly,
        policy.keep_yearly,
    )
    if not any(keeps):
        errors["keep_last"] = _("Retention must keep at least one backup.")
    if errors:
        raise ValidationError(errors)
    policy.full_clean(exclude=["target", "drill_database_url_encrypted"])
