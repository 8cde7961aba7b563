"""Every new target gets a backup policy with safe defaults (auto off-peak, local, encrypted):
an ERP under care without backups would be the most dangerous default. A removed target's
backups stay (restorable into a given database) unless deleting them was asked for."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from erpkeeper.backups.models import Backup, BackupStatus
from erpkeeper.backups.services import retention
from erpkeeper.backups.services.policies import policy_for
from erpkeeper.targets.models import Target
from erpkeeper.targets.services import TargetRemovalFailed, target_removing


@receiver(post_save, sender=Target, dispatch_uid="backups.default_policy")
def give_new_target_a_policy(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        policy_for(instance)


@receiver(target_removing, dispatch_uid="backups.removed_target")
def settle_backups_of_removed_target(sender, target, delete_backups=False, **kwargs):
    deleted = []
    if delete_backups:
        try:
            deleted = retention.delete_backups(target)
        except retention.BackupDeletionFailed as exc:
            raise TargetRemovalFailed(str(exc)) from exc
    kept = Backup.objects.filter(target=target, status=BackupStatus.SUCCEEDED).count()
    return {"backups_kept": kept, "backups_deleted": len(deleted)}
