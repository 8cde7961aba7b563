from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class GovernanceConfig(ErpKeeperAppConfig):
    name = "erpkeeper.governance"
    label = "governance"
    verbose_name = _("Governance")
    cli_modules = ("erpkeeper.governance.compliance.cli", "erpkeeper.governance.privacy.cli")
    api_module = "erpkeeper.governance.api"
    console_urls = "erpkeeper.governance.urls"
    navigation = (
        # compliance
        NavItem.for_model(Section.GOVERNANCE, _("Frameworks"), "gavel", "governance.framework", 10),
        NavItem.for_model(Section.GOVERNANCE, _("Controls"), "verified", "governance.control", 11),
        NavItem.for_model(
            Section.GOVERNANCE, _("Assessments"), "fact_check", "governance.assessment", 12
        ),
        NavItem.for_model(
            Section.GOVERNANCE, _("Control results"), "rule", "governance.controlresult", 13
        ),
        NavItem.for_model(
            Section.GOVERNANCE, _("Control reviews"), "rate_review", "governance.controlreview", 14
        ),
    )
    evidence = ()
    # Security auditors run compliance and privacy; managers and the other roles read
    # (the platform's "view all"); administrators do everything.
    role_rules = {
        Role.SECURITY_AUDITOR: (Rule(app="governance", action=("view", "add", "change")),),
    }
