"""Console pages for alerts, alert rules and silences (one module per model)."""

from erpkeeper.alerts.admin import alerts, rules, silences  # noqa: F401  (registers the admins)
