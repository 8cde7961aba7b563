from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class AlertsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.alerts"
    label = "alerts"
    verbose_name = _("Alerts")
    cli_modules = ("erpkeeper.alerts.cli",)
    api_module = "erpkeeper.alerts.api"
    evidence = ("erpkeeper.alerts.evidence:COLLECTORS",)
    navigation = (
        NavItem.for_model(
            Section.OPERATE, _("Alerts"), "notification_important", "alerts.alert", 50
        ),
        NavItem.for_model(Section.OPERATE, _("Alert rules"), "rule", "alerts.alertrule", 51),
        NavItem.for_model(
            Section.OPERATE, _("Silences"), "notifications_off", "alerts.silence", 52
        ),
    )
    target_panels = ("erpkeeper.alerts.admin.panel:target_panel",)
    dashboard = ("erpkeeper.alerts.dashboard:contribute",)
    role_rules = {Role.OPS_ENGINEER: (Rule(app="alerts"),)}
    loops = ("erpkeeper.alerts.runner:start_alert_evaluator",)

    def ready(self):
        from erpkeeper.alerts.services import create_default_rules_after_migrate

        post_migrate.connect(create_default_rules_after_migrate, sender=self)
