"""Every new target gets a backup policy with safe defaults (auto off-peak, local, encrypted):
an ERP under care without backups would be the most dangerous default."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from erpkeeper.targets.models import Target


@receiver(post_save, sender=Target, dispatch_uid="backups.default_policy")
def give_new_target_a_policy(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from erpkeeper.backups.services.policies import policy_for

        policy_for(instance)
