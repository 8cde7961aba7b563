from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig
from erpkeeper.lib.roles import Role, Rule


class GovernanceConfig(ErpKeeperAppConfig):
    name = "erpkeeper.governance"
    label = "governance"
    verbose_name = _("Governance")
    cli_modules = ("erpkeeper.governance.compliance.cli", "erpkeeper.governance.privacy.cli")
    api_module = "erpkeeper.governance.api"
    console_urls = "erpkeeper.governance.urls"
    navigation = ()
    evidence = ()
    # Security auditors run compliance and privacy; managers and the other roles read
    # (the platform's "view all"); administrators do everything.
    role_rules = {
        Role.SECURITY_AUDITOR: (Rule(app="governance", action=("view", "add", "change")),),
    }
