from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class SecurityConfig(ErpKeeperAppConfig):
    name = "erpkeeper.security"
    label = "security"
    verbose_name = _("ERP access and segregation of duties")
    cli_modules = ("erpkeeper.security.cli", "erpkeeper.security.cli_reviews")
    api_module = "erpkeeper.security.api"
    evidence = ("erpkeeper.security.evidence:COLLECTORS",)
    navigation = (
        # Every console user may be a reviewer: the page lists only their own items.
        NavItem(
            Section.ACCESS,
            _("My reviews"),
            "task_alt",
            "admin:security_campaign_my_reviews",
            order=8,
        ),
        NavItem.for_model(
            Section.ACCESS, _("Access reviews"), "fact_check", "security.campaign", 9
        ),
        NavItem.for_model(
            Section.ACCESS, _("ERP group owners"), "group", "security.groupowner", 18
        ),
        NavItem.for_model(
            Section.ACCESS, _("Access snapshots"), "policy", "security.accesssnapshot", 10
        ),
        NavItem.for_model(Section.ACCESS, _("SoD rule sets"), "rule", "security.ruleset", 12),
        NavItem.for_model(
            Section.ACCESS, _("Mitigating controls"), "shield", "security.mitigatingcontrol", 13
        ),
        NavItem.for_model(
            Section.ACCESS, _("Accepted exceptions"), "approval", "security.acceptedexception", 14
        ),
        NavItem.for_model(
            Section.ACCESS, _("Security findings"), "gpp_maybe", "security.finding", 15
        ),
        NavItem.for_model(
            Section.ACCESS, _("Security checks"), "fact_check", "security.securitycheckrun", 16
        ),
        NavItem.for_model(
            Section.ACCESS,
            _("Tryton configuration files"),
            "settings",
            "security.trytonconfigfile",
            17,
        ),
    )
    target_panels = ("erpkeeper.security.admin.panel:target_panel",)
    histories = (
        "erpkeeper.security.housekeeping:SNAPSHOTS",
        "erpkeeper.security.housekeeping:DOCUMENTS",
        "erpkeeper.security.housekeeping:CHECK_RUNS",
        "erpkeeper.security.housekeeping:FIXED_FINDINGS",
    )
    # Security auditors own this app: they take snapshots, keep the rule sets, controls and
    # exceptions, and run access review campaigns. Reviewers need no permission: they see and
    # decide their own items (services.items_visible_to). Administrators hold everything
    # already (BASE_RULES). Everyone else who sees ERPKeeper's lists (ops, DBA, manager,
    # viewer) reads them through VIEW_ALL.
    role_rules = {
        Role.SECURITY_AUDITOR: (Rule(app="security"),),
    }
