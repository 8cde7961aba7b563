"""The changes app's background thread: safety backups before windows open, and notices for
those that failed. Every ERPKEEPER_CHANGES_INTERVAL seconds (default 60; 0 turns it off)."""

from __future__ import annotations

import logging
import threading

from erpkeeper.changes.services.safety import request_due_safety_backups, watch_safety_backups
from erpkeeper.core.audit import audit_context
from erpkeeper.core.loops import PeriodicLoop, Round

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system:changes"


def changes_round() -> Round:
    def run_round() -> None:
        with audit_context(actor_name=SYSTEM_ACTOR, source="system"):
            made = request_due_safety_backups()
            watch_safety_backups()
        if made:
            logger.info("changes: %d safety backups requested", len(made))

    return run_round, lambda: None


LOOP = PeriodicLoop("changes", "CHANGES_INTERVAL", changes_round)


def start_changes_loop(
    stop_event: threading.Event, interval: float | None = None
) -> threading.Thread | None:
    return LOOP.start(stop_event, interval)
