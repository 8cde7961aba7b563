"""The alert evaluator's background thread, run by the worker that runs the scheduler.

The scheduler ticks once a minute; alerts must reach people seconds after the sample that
crossed a threshold, so rules are evaluated every ``ERPKEEPER_ALERT_INTERVAL`` seconds
(default 10; 0 turns the thread off, e.g. on a second worker) by a thread of its own.
"""

from __future__ import annotations

import logging
import threading

from erpkeeper.alerts.engine import evaluate
from erpkeeper.core.loops import PeriodicLoop, Round

logger = logging.getLogger(__name__)

INTERVAL_SETTING = "ALERT_INTERVAL"


def evaluation_round() -> Round:
    def run_round() -> None:
        report = evaluate()
        if report.changes:
            logger.info("alerts: %s", ", ".join(f"{k} {s}" for k, s, _a in report.changes))

    return run_round, lambda: None


LOOP = PeriodicLoop("alert evaluator", INTERVAL_SETTING, evaluation_round)


def start_alert_evaluator(
    stop_event: threading.Event, interval: float | None = None
) -> threading.Thread | None:
    """Start the evaluator thread (once per process); None when turned off (interval 0)."""
    return LOOP.start(stop_event, interval)
