from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section


class AccountsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")
    cli_modules = ("erpkeeper.accounts.cli",)
    api_module = "erpkeeper.accounts.api_urls"
    evidence = ("erpkeeper.accounts.evidence:COLLECTORS",)
    navigation = (
        NavItem(
            Section.ADMINISTRATION,
            _("Users"),
            "person",
            "admin:auth_user_changelist",
            "auth.view_user",
            order=10,
        ),
        NavItem(
            Section.ADMINISTRATION,
            _("Roles"),
            "group",
            "admin:auth_group_changelist",
            "auth.view_group",
            order=20,
        ),
        NavItem(
            Section.ADMINISTRATION,
            _("API tokens"),
            "key",
            "admin:accounts_apitoken_changelist",
            "accounts.view_apitoken",
            order=30,
        ),
        NavItem(
            Section.ADMINISTRATION,
            _("Sign-in history"),
            "login",
            "admin:accounts_loginrecord_changelist",
            "accounts.view_loginrecord",
            order=40,
        ),
    )
    histories = ("erpkeeper.accounts.housekeeping:SIGN_INS",)

    def ready(self):
        from erpkeeper.accounts import roles, signals
        from erpkeeper.accounts.services import two_factor

        signals.connect()
        two_factor.configure_audit()
        # Once per migrate (sender=self), after which the sync sees every app's permissions.
        post_migrate.connect(
            roles.sync_after_migrate, sender=self, dispatch_uid="erpkeeper.accounts.roles"
        )
