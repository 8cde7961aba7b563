from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "erpkeeper.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self):
        from erpkeeper.alerts.defaults import create_default_rules_after_migrate

        post_migrate.connect(create_default_rules_after_migrate, sender=self)
