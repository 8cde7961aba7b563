"""Retention by generations (keep last N, daily D, weekly W, monthly M, yearly Y).

For each rule, the newest backup of each of the most recent periods that have one is kept (as
restic and borg do). The newest succeeded backup and the newest verified one are always kept,
whatever the rules say. Retention runs only after a backup succeeded, never after a failure.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from erpkeeper.backups.destinations.base import StorageError
from erpkeeper.backups.engines.restic import ResticError
from erpkeeper.backups.models import (
    Backup,
    BackupPolicy,
    BackupStatus,
    CopyStatus,
    RepositoryKind,
)
from erpkeeper.backups.services.destinations import open_destination
from erpkeeper.backups.services.restic import forget_backup, open_repository, target_tag

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRules:
    last: int = 0
    daily: int = 0
    weekly: int = 0
    monthly: int = 0
    yearly: int = 0

    @classmethod
    def of(cls, policy: BackupPolicy) -> RetentionRules:
        return cls(
            policy.keep_last,
            policy.keep_daily,
            policy.keep_weekly,
            policy.keep_monthly,
            policy.keep_yearly,
        )


PERIODS = {
    "daily": lambda moment: moment.date(),
    "weekly": lambda moment: moment.isocalendar()[:2],
    "monthly": lambda moment: (moment.year, moment.month),
    "yearly": lambda moment: moment.year,
}


def plan_retention(backups: list[Backup], rules: RetentionRules) -> dict[int, str]:
    """{backup id: reason kept} for the backups to keep; every other one may be pruned."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    newest_first = sorted(backups, key=lambda b: b.started, reverse=True)
    keep: dict[int, str] = {}
    for backup in newest_first[: rules.last]:
        keep.setdefault(backup.pk, _("one of the last %d") % rules.last)
    for rule, period_of in PERIODS.items():
        _keep_per_period(newest_first, getattr(rules, rule), period_of, zone, rule, keep)
    if newest_first:
        keep.setdefault(newest_first[0].pk, _("newest backup"))
    verified = [b for b in newest_first if b.verify_ok]
    if verified:
        keep.setdefault(verified[0].pk, _("newest verified backup"))
    return keep


def _keep_per_period(newest_first, count, period_of, zone, rule, keep) -> None:
    seen = []
    for backup in newest_first:
        if len(seen) >= count:
            return
        period = period_of(backup.started.astimezone(zone))
        if period in seen:
            continue
        seen.append(period)
        keep.setdefault(backup.pk, rule)


def apply_retention(target, policy: BackupPolicy | None = None) -> list[Backup]:
    """Prune the target's succeeded backups that no rule keeps; return the pruned ones."""
    policy = policy or BackupPolicy.objects.get(target=target)
    succeeded = Backup.objects.filter(target=target, status=BackupStatus.SUCCEEDED)
    # Each kind by its own engine: backups taken before the policy changed kind stay counted.
    backups = list(succeeded.exclude(repository_kind=RepositoryKind.RESTIC))
    keep = plan_retention(backups, RetentionRules.of(policy))
    pruned = []
    for backup in backups:
        if backup.pk not in keep and _prune(backup):
            pruned.append(backup)
    restic_backups = list(succeeded.filter(repository_kind=RepositoryKind.RESTIC))
    if restic_backups:
        pruned += apply_restic_retention(target, policy, restic_backups)
    return pruned


def apply_restic_retention(target, policy: BackupPolicy, backups: list[Backup]) -> list[Backup]:
    """``restic forget`` with the policy's rules on the target's snapshots, then ``prune``.

    Crash-safe by restic's design: forget only removes snapshot files, and prune deletes a pack
    only after writing the new index without it, so a chunk still referenced is never deleted
    and an interrupted prune leaves a valid repository (the next prune finishes the work). A
    backup whose snapshots restic forgot is marked pruned only after restic succeeded; one that
    lost some of its snapshots (each artifact is grouped on its own) loses the rest too: a
    backup is restorable whole or not at all."""
    by_destination: dict = {}
    for backup in backups:
        by_destination.setdefault(backup.destination_id, []).append(backup)
    pruned = []
    for group in by_destination.values():
        destination = group[0].destination
        if destination is None:
            continue
        try:
            pruned += _forget_and_prune(open_repository(destination), target, policy, group)
        except ResticError as exc:
            logger.warning("restic retention of %s failed: %s", target, exc)
    return pruned


def _forget_and_prune(repo, target, policy: BackupPolicy, backups: list[Backup]) -> list:
    rules = RetentionRules.of(policy)
    keep = {rule: getattr(rules, rule) for rule in ("last", "daily", "weekly", "monthly", "yearly")}
    repo.unlock()
    repo.forget_by_policy(target_tag(target.pk), keep)
    snapshots = repo.snapshots(target_tag(target.pk))
    remaining = {snap["id"] for snap in snapshots} | {snap["short_id"] for snap in snapshots}
    pruned = []
    for backup in backups:
        ids = _snapshot_ids(backup)
        if ids and ids <= remaining:
            continue
        forget_backup(backup)
        backup.status = BackupStatus.PRUNED
        backup.save(update_fields=["status"])
        pruned.append(backup)
    if pruned:
        repo.prune()
    return pruned


def _snapshot_ids(backup: Backup) -> set[str]:
    return {
        artifact["snapshot"]
        for component in backup.manifest.get("components", [])
        for artifact in component["artifacts"]
        if artifact.get("snapshot")
    }


def _prune(backup: Backup) -> bool:
    """Delete the backup's objects everywhere, then mark it pruned (the row stays as history)."""
    try:
        _remove_objects(backup)
    except StorageError as exc:
        logger.warning("retention could not remove backup %s: %s", backup.pk, exc)
        return False
    backup.status = BackupStatus.PRUNED
    backup.save(update_fields=["status"])
    return True


class BackupDeletionFailed(Exception):
    """Some backups of a removed target could not be deleted; the message names them."""


def delete_backups(target) -> list[Backup]:
    """Delete every backup of ``target`` that holds data (asked for explicitly when the target
    is removed); the rows stay as history, marked deleted. Raises BackupDeletionFailed naming
    those whose objects could not be removed, after trying them all."""
    deleted, failed = [], []
    # Rows already marked deleted are tried again: a failed or interrupted run may have left
    # objects behind, and removing an empty prefix costs nothing.
    holding = Backup.objects.filter(target=target).exclude(status=BackupStatus.PRUNED)
    for backup in holding:
        # Marked first: a run killed halfway leaves a row that no longer claims a usable backup.
        was_holding = backup.status != BackupStatus.DELETED
        backup.status = BackupStatus.DELETED
        backup.save(update_fields=["status"])
        try:
            _remove_objects(backup)
        except StorageError as exc:
            failed.append(f"{backup.pk}: {' '.join(str(exc).split())}")
            continue
        if was_holding:
            deleted.append(backup)
    if failed:
        raise BackupDeletionFailed(
            _("could not delete the objects of backups %(failed)s; the target was not removed")
            % {"failed": "; ".join(failed)}
        )
    return deleted


def _remove_objects(backup: Backup) -> None:
    if backup.repository_kind == RepositoryKind.RESTIC:
        forget_backup(backup)  # data removed by the next prune of the repository
        return
    for copy in backup.copies.filter(status=CopyStatus.SUCCEEDED):
        if copy.destination is not None:
            open_destination(copy.destination).delete_prefix(backup.location + "/")
        copy.status = CopyStatus.PRUNED
        copy.save(update_fields=["status"])
    if backup.destination is not None:
        open_destination(backup.destination).delete_prefix(backup.location + "/")
