"""The alert evaluator's background thread, run by the worker that runs the scheduler.

The scheduler ticks once a minute; alerts must reach people seconds after the sample that
crossed a threshold, so rules are evaluated every ``ERPKEEPER_ALERT_INTERVAL`` seconds
(default 10; 0 turns the thread off, e.g. on a second worker) by a thread of its own.
"""

from __future__ import annotations

import logging
import os
import threading
import time

logger = logging.getLogger(__name__)

INTERVAL_SETTING = "ERPKEEPER_ALERT_INTERVAL"
DEFAULT_INTERVAL = 10

_thread: threading.Thread | None = None


def alert_interval() -> float:
    """Seconds between evaluations; 0 = off. A value that is not a number gives 10."""
    raw = os.environ.get(INTERVAL_SETTING, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        value = float(raw)
    except ValueError:
        value = -1
    if value < 0:
        logger.warning(
            "%s=%r is not a number of seconds; using %d", INTERVAL_SETTING, raw, DEFAULT_INTERVAL
        )
        return DEFAULT_INTERVAL
    return value


def start_alert_evaluator(
    stop_event: threading.Event, interval: float | None = None
) -> threading.Thread | None:
    """Start the evaluator thread (once per process); it ends when ``stop_event`` is set.

    Returns None when evaluation is turned off (interval 0).
    """
    global _thread
    interval = alert_interval() if interval is None else interval
    if interval == 0:
        logger.info("alert evaluator off (%s=0)", INTERVAL_SETTING)
        return None
    if _thread is not None and _thread.is_alive():
        return _thread
    _thread = threading.Thread(
        target=run_alert_evaluator,
        args=(stop_event, interval),
        name="erpkeeper-alert-evaluator",
        daemon=True,  # never holds the worker's exit; the stop event ends it cleanly first
    )
    _thread.start()
    return _thread


def run_alert_evaluator(stop_event: threading.Event, interval: float) -> None:
    """Evaluate every ``interval`` seconds until ``stop_event`` is set."""
    from django.db import connection

    from erpkeeper.alerts.engine import evaluate
    from erpkeeper.core.jobs.runner import refresh_connection

    logger.info("alert evaluator started: every %s s", interval)
    try:
        while not stop_event.is_set():
            started = time.monotonic()
            refresh_connection()
            try:
                report = evaluate()
                if report.changes:
                    logger.info("alerts: %s", ", ".join(f"{k} {s}" for k, s, _a in report.changes))
            except Exception:  # the next round may succeed (database restarting): keep going
                logger.exception("alert evaluation failed")
            # Keep the rhythm: a slow round shortens the wait rather than drifting.
            stop_event.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        connection.close()
        logger.info("alert evaluator stopped")
