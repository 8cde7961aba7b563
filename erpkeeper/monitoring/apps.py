from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class MonitoringConfig(ErpKeeperAppConfig):
    name = "erpkeeper.monitoring"
    label = "monitoring"
    verbose_name = _("Monitoring")
    cli_modules = ("erpkeeper.monitoring.cli",)
    api_module = "erpkeeper.monitoring.api"
    navigation = (
        NavItem(
            Section.OPERATE,
            _("Hosts"),
            "computer",
            "admin:monitoring_host_changelist",
            "monitoring.view_host",
            order=40,
        ),
    )
    dashboard = ("erpkeeper.monitoring.dashboard:contribute",)
    role_rules = {Role.OPS_ENGINEER: (Rule(app="monitoring"),)}
    loops = ("erpkeeper.monitoring.collectors.jobs:start_embedded_collector",)
