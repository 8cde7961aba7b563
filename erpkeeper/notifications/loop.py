"""The notification sender's background thread, run by the worker that runs the scheduler.

Sends what the outbox holds every ``ERPKEEPER_DELIVERY_INTERVAL`` seconds (default 5; 0 turns
it off), and at once when nudged: the alert evaluator nudges it after queuing messages, so a
slow or unreachable channel (up to the 45-second budget of a run) never holds up evaluation.
Without the thread (the CLI, a worker without the scheduler) callers deliver inline instead.
"""

from __future__ import annotations

import logging
import threading

from django.db import transaction

from erpkeeper.core.loops import PeriodicLoop, Round
from erpkeeper.notifications.delivery import deliver_pending

logger = logging.getLogger(__name__)

INTERVAL_SETTING = "DELIVERY_INTERVAL"


def delivery_round() -> Round:
    def run_round() -> None:
        run = deliver_pending()
        if run.delivered or run.failed:
            logger.info("notifications: %d delivered, %d failed", run.delivered, run.failed)

    return run_round, lambda: None


LOOP = PeriodicLoop("notification sender", INTERVAL_SETTING, delivery_round)


def start_sender(stop_event: threading.Event, interval: float | None = None):
    """Start the sender thread (once per process); None when turned off (interval 0)."""
    return LOOP.start(stop_event, interval)


def send_soon() -> bool:
    """Have what was just queued sent: by the sender thread when it runs here (False), else
    now, in this thread (True)."""
    if LOOP.running:
        # After the commit (at once outside a transaction): the sender reads what was queued.
        transaction.on_commit(LOOP.nudge)
        return False
    deliver_pending()
    return True
