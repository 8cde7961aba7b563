"""Backup operations for every interface (console, API, CLI, jobs): one function each."""

from erpkeeper.backups.services.destinations import (
    check_destination,
    create_destination,
    default_destination,
    remove_destination,
    update_destination,
    usage_by_destination,
)
from erpkeeper.backups.services.drills import DrillFailed, Scratch, newest_good_backup, run_drill
from erpkeeper.backups.services.offpeak import recompute_offpeak_hour
from erpkeeper.backups.services.policies import policy_for, update_policy
from erpkeeper.backups.services.restore import (
    RESTORE_ERRORS,
    RestoreFailed,
    RestoreRefused,
    database_component,
    default_restore_url,
    restore_backup,
    restore_into,
)
from erpkeeper.backups.services.retention import apply_retention, plan_retention
from erpkeeper.backups.services.running import BackupFailed, run_backup
from erpkeeper.backups.services.verify import VerificationFailed, verify_backup

__all__ = [
    "BackupFailed",
    "DrillFailed",
    "RestoreFailed",
    "RESTORE_ERRORS",
    "RestoreRefused",
    "Scratch",
    "VerificationFailed",
    "apply_retention",
    "check_destination",
    "database_component",
    "create_destination",
    "default_destination",
    "default_restore_url",
    "newest_good_backup",
    "plan_retention",
    "policy_for",
    "recompute_offpeak_hour",
    "remove_destination",
    "restore_backup",
    "restore_into",
    "run_backup",
    "run_drill",
    "update_destination",
    "update_policy",
    "usage_by_destination",
    "verify_backup",
]
