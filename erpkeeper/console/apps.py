from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section


class ConsoleConfig(ErpKeeperAppConfig):
    """The console's shell: dashboard, sidebar, shared templates and template tags."""

    name = "erpkeeper.console"
    label = "console"
    verbose_name = _("Console")
    navigation = (
        NavItem(Section.OPERATE, _("Dashboard"), "dashboard", "admin:index", order=0),
        NavItem(Section.ADMINISTRATION, _("API documentation"), "api", "swagger-ui", order=90),
    )
