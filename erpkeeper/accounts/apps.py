from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule

# Teams, RACI, rotas and announcements (docs/teams.md): managers (and administrators, who
# have everything) change them; everyone views them; everyone on the team may cover a shift
# themselves (the service refuses an override for someone else) and write hand-over notes.
TEAM_MODELS = (
    "team",
    "teammembership",
    "raciassignment",
    "rota",
    "rotamember",
    "rotaoverride",
    "handovernote",
    "announcement",
)
OWN_ON_CALL = Rule(app="accounts", action="add", model=("rotaoverride", "handovernote"))


class AccountsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.accounts"
    label = "accounts"
    verbose_name = _("Accounts and access")
    cli_modules = ("erpkeeper.accounts.cli", "erpkeeper.accounts.teams.cli")
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
        NavItem.for_model(Section.ADMINISTRATION, _("Teams"), "groups", "accounts.team", 50),
        NavItem(
            Section.ADMINISTRATION,
            _("RACI matrix"),
            "grid_on",
            "admin:accounts_raciassignment_matrix",
            "accounts.view_raciassignment",
            order=51,
        ),
        NavItem(
            Section.ADMINISTRATION,
            _("On call"),
            "notifications_active",
            "admin:accounts_rota_oncall",
            "accounts.view_rota",
            order=52,
        ),
        NavItem.for_model(
            Section.ADMINISTRATION, _("On-call rotas"), "event_repeat", "accounts.rota", 53
        ),
        NavItem.for_model(
            Section.ADMINISTRATION, _("Team announcements"), "campaign", "accounts.announcement", 54
        ),
    )
    histories = ("erpkeeper.accounts.housekeeping:SIGN_INS",)
    role_rules = {
        Role.MANAGER: (
            Rule(app="accounts", action=("add", "change", "delete"), model=TEAM_MODELS),
        ),
        Role.OPS_ENGINEER: (OWN_ON_CALL,),
        Role.DBA: (OWN_ON_CALL,),
        Role.SECURITY_AUDITOR: (OWN_ON_CALL,),
        # Helpdesk agents see no "view all": the team pages are theirs to read too.
        Role.HELPDESK_AGENT: (Rule(app="accounts", action="view", model=TEAM_MODELS), OWN_ON_CALL),
    }

    def ready(self):
        from erpkeeper.accounts import roles, signals
        from erpkeeper.accounts.services import two_factor

        signals.connect()
        two_factor.configure_audit()
        # Once per migrate (sender=self), after which the sync sees every app's permissions.
        post_migrate.connect(
            roles.sync_after_migrate, sender=self, dispatch_uid="erpkeeper.accounts.roles"
        )
