from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.plugins import ErpKeeperAppConfig, NavItem, Section
from erpkeeper.lib.roles import Role, Rule


class BackupsConfig(ErpKeeperAppConfig):
    name = "erpkeeper.backups"
    label = "backups"
    verbose_name = _("Backups and recovery")
    cli_modules = ("erpkeeper.backups.cli", "erpkeeper.backups.cli_recovery")
    api_module = "erpkeeper.backups.api"
    evidence = ("erpkeeper.backups.evidence:COLLECTORS",)
    navigation = (
        NavItem.for_model(Section.OPERATE, _("Backups"), "backup", "backups.backup", 20),
        NavItem.for_model(
            Section.OPERATE, _("Recovery drills"), "model_training", "backups.drill", 21
        ),
        NavItem.for_model(
            Section.OPERATE, _("Restores"), "settings_backup_restore", "backups.restore", 22
        ),
        NavItem.for_model(
            Section.OPERATE, _("Backup policies"), "tune", "backups.backuppolicy", 23
        ),
        NavItem.for_model(
            Section.OPERATE, _("Destinations"), "cloud_upload", "backups.destination", 24
        ),
    )
    target_panels = ("erpkeeper.backups.admin.panel:target_panel",)
    dashboard = ("erpkeeper.backups.dashboard:contribute",)
    role_rules = {
        Role.OPS_ENGINEER: (Rule(app="backups"),),
        Role.DBA: (Rule(app="backups", action=("view", "add", "change", "restore*")),),
    }

    def ready(self):
        from erpkeeper.backups import signals  # noqa: F401  (connects the receivers)

        self.register_reaping()

    @staticmethod
    def register_reaping():
        """Runs of backup kinds whose worker died: fail their rows, remove partial objects,
        raise the notices (core's reaper calls the hook; the sweep catches what it missed)."""
        from erpkeeper.backups import reaping  # noqa: F401  (registers the reaper hook)
        from erpkeeper.core.scheduler import register_periodic

        register_periodic(
            "backups.settle_interrupted",
            "*/5 * * * *",
            call=reaping.sweep_orphans,
            description="fail backups, restores and drills whose job ended without them",
        )
