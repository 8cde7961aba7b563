"""What the alert console pages share: the colours of states and severities."""

from __future__ import annotations

from erpkeeper.lib.admin import BAD_COLOR, WARNING_COLOR

SEVERITY_COLORS = {"critical": BAD_COLOR, "warning": WARNING_COLOR}
STATE_VARIANTS = {"firing": "danger", "pending": "warning", "resolved": "success"}
SEVERITY_VARIANTS = {"critical": "danger", "warning": "warning"}
