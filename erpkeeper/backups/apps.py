from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "erpkeeper.backups"
    label = "backups"
    verbose_name = _("Backups and recovery")

    def ready(self):
        from erpkeeper.backups import signals  # noqa: F401  (connects the receivers)
