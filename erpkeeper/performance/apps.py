from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class PerformanceConfig(ErpKeeperAppConfig):
    name = "erpkeeper.performance"
    label = "performance"
    verbose_name = _("Performance")
    cli_modules = ("erpkeeper.performance.cli", "erpkeeper.performance.code_cli")
    api_module = "erpkeeper.performance.api"
    navigation = (
        NavItem.for_model(
            Section.OPERATE, _("Performance findings"), "speed", "performance.finding", 60
        ),
        NavItem.for_model(
            Section.OPERATE, _("Query insight"), "query_stats", "performance.querystat", 61
        ),
        NavItem.for_model(
            Section.OPERATE, _("Index suggestions"), "bolt", "performance.indexsuggestion", 62
        ),
        NavItem.for_model(
            Section.OPERATE, _("Performance checks"), "fact_check", "performance.checkrun", 63
        ),
        NavItem.for_model(
            Section.OPERATE, _("Index proofs"), "science", "performance.indexproof", 64
        ),
        NavItem(
            Section.OPERATE,
            _("Capacity"),
            "memory",
            "performance-capacity-index",
            "performance.view_finding",
            65,
        ),
        NavItem.for_model(Section.OPERATE, _("Code health"), "code", "performance.codereview", 66),
        NavItem.for_model(
            Section.OPERATE, _("Custom module folders"), "folder_open", "performance.codefolder", 67
        ),
    )
    dashboard = ("erpkeeper.performance.dashboard:contribute",)
    target_panels = (
        "erpkeeper.performance.panel:target_panel",
        "erpkeeper.performance.code_panel:target_panel",
    )
    role_rules = {
        Role.DBA: (Rule(app="performance", action=("view", "add", "change")),),
        Role.OPS_ENGINEER: (Rule(app="performance", action=("view", "add", "change")),),
    }
