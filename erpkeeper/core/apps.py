from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "erpkeeper.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from erpkeeper.core import audit, checks  # noqa: F401  (registers signal handlers and checks)

        audit.connect_signals()
