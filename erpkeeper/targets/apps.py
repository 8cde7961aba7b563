from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class TargetsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.targets"
    label = "targets"
    verbose_name = _("ERP targets")
    cli_modules = ("erpkeeper.targets.cli",)
    api_module = "erpkeeper.targets.api"
    navigation = (
        NavItem(
            Section.OPERATE,
            _("Targets"),
            "dns",
            "admin:targets_target_changelist",
            "targets.view_target",
            order=10,
        ),
    )
    role_rules = {
        Role.OPS_ENGINEER: (Rule(app="targets"),),
        Role.DBA: (Rule(app="targets", action="change", model="target"),),
        Role.HELPDESK_AGENT: (Rule(app="targets", action="view"),),
    }
