from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig


class DemoConfig(ErpKeeperAppConfig):
    """Builds a real Tryton ERP with a year of history for the demo, tests and benchmarks."""

    name = "erpkeeper.demo"
    label = "demo"
    verbose_name = _("Demo ERP")
    cli_modules = ("erpkeeper.demo.cli",)
