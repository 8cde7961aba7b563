"""The rules every installation starts with, created (once) after each ``migrate``.

They have no targets or hosts selected, so they watch every target and every host. People may
change their thresholds or disable them, but not delete them (``services.delete_rule``); a
default rule that was changed is never put back, only missing ones are created.

Names and descriptions are stored as their English msgids (``gettext_noop``) and translated
when shown (``AlertRule.display_name``): stored text cannot follow each reader's language. A
rule people renamed shows the name they gave it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as _

# key -> fields. Recovery thresholds are explicit where the metric is 0/1 or a count: with the
# default (the threshold itself) "above 0" would resolve only below 0, that is never.
DEFAULT_RULES: dict[str, dict] = {
    "host_down": {
        "name": _("Host down"),
        "description": _("The host's collector failed or the host stopped reporting."),
        "metric": "collector.up",
        "label_selector": {"collector": "host"},
        "operator": "<",
        "critical_threshold": 1,
        "recovery_threshold": 0.5,
        "no_data_intervals": 3,
    },
    "disk": {
        "name": _("Disk almost full"),
        "metric": "host.disk.percent",
        "warning_threshold": 85,
        "critical_threshold": 95,
        "for_seconds": 60,
    },
    "cpu": {
        "name": _("CPU busy"),
        "metric": "host.cpu.percent",
        "warning_threshold": 90,
        "for_seconds": 300,
    },
    "memory": {
        "name": _("Memory almost full"),
        "metric": "host.memory.percent",
        "warning_threshold": 90,
        "critical_threshold": 97,
        "for_seconds": 60,
    },
    "db_connections": {
        "name": _("Database connections almost exhausted"),
        "metric": "db.connections.percent",
        "warning_threshold": 80,
        "for_seconds": 60,
    },
    "backup_rpo": {
        "name": _("Newest backup older than the RPO"),
        "description": _("Age of the newest good backup divided by the target's RPO."),
        "metric": "backup.rpo_ratio",
        "critical_threshold": 1,
    },
    "drill_failed": {
        "name": _("Recovery drill failed"),
        "metric": "drill.failed",
        "critical_threshold": 0,
        "recovery_threshold": 0.5,
    },
    "capacity": {
        "name": _("Disk or database full within 14 days"),
        "description": _("Days until full by the linear trend of the last 30 days."),
        "metric": "capacity.days_until_full",
        "operator": "<",
        "warning_threshold": 14,
        "critical_threshold": 3,
        "recovery_threshold": 21,
    },
    "erp_cron_failed": {
        "name": _("ERP scheduled jobs failed"),
        "metric": "erp.cron.failed",
        "warning_threshold": 0,
        "recovery_threshold": 0.5,
    },
}


def default_text(key: str, field: str) -> str:
    """The msgid a default rule was created with ("" for other rules)."""
    return DEFAULT_RULES.get(key, {}).get(field, "")
