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
        # privacy: personal-data discovery in the ERP database
        NavItem.for_model(
            Section.GOVERNANCE,
            _("Personal-data scans"),
            "policy",
            "governance.privacyscan",
            order=40,
        ),
        NavItem(
            Section.GOVERNANCE,
            _("Personal-data map"),
            "map",
            "governance-privacy-maps",
            "governance.view_privacyscan",
            order=41,
        ),
        NavItem.for_model(
            Section.GOVERNANCE,
            _("Retention rules"),
            "auto_delete",
            "governance.retentionrule",
            order=42,
        ),
    )
    evidence = ("erpkeeper.governance.privacy.evidence:COLLECTORS",)
    # Security auditors run compliance and privacy (scans, retention rules); managers and the
    # other roles read (the platform's "view all"); administrators do everything.
    role_rules = {
        Role.SECURITY_AUDITOR: (
            Rule(app="governance", action=("view", "add", "change")),
            Rule(app="governance", model="retentionrule", action=("delete",)),
        ),
    }
