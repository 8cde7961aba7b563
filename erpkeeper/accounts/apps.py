from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "erpkeeper.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")

    def ready(self):
        from erpkeeper.accounts import roles, signals

        signals.connect()
        # Once per migrate (sender=self), after which the sync sees every app's permissions.
        post_migrate.connect(
            roles.sync_after_migrate, sender=self, dispatch_uid="erpkeeper.accounts.roles"
        )
