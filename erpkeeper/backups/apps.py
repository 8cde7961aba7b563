from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "erpkeeper.backups"
    label = "backups"
    verbose_name = _("Backups and recovery")

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
