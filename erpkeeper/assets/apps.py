from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class AssetsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.assets"
    label = "assets"
    verbose_name = _("Assets")
    cli_modules = ("erpkeeper.assets.cli",)
    api_module = "erpkeeper.assets.api"
    console_urls = "erpkeeper.assets.urls"
    navigation = (
        NavItem.for_model(Section.CHANGES, _("Assets"), "dns", "assets.asset", 40),
        NavItem.for_model(Section.CHANGES, _("Sites"), "location_city", "assets.site", 41),
        NavItem.for_model(Section.CHANGES, _("Licences"), "license", "assets.softwarelicence", 42),
        NavItem.for_model(Section.CHANGES, _("Inspections"), "fact_check", "assets.inspection", 43),
        NavItem.for_model(
            Section.CHANGES, _("Replacement plan"), "event_upcoming", "assets.replacementplan", 44
        ),
    )
    dashboard = ("erpkeeper.assets.dashboard:contribute",)
    target_panels = ("erpkeeper.assets.panel:target_panel",)
    # Ops engineers keep the inventory (administrators do everything); the other roles read it
    # through the platform's "view all". A licence key is set by administrators only
    # (``set_key_softwarelicence`` is its own action, which no rule here grants).
    role_rules = {
        Role.OPS_ENGINEER: (Rule(app="assets", action=("view", "add", "change", "delete")),),
    }
