"""The embedded collector's background thread, run by the worker that runs the scheduler.

The scheduler ticks once a minute; metrics are wanted every ``ERPKEEPER_COLLECT_INTERVAL``
seconds (default 10; 0 turns the embedded collector off), hence a thread of its own.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time

from erpkeeper.monitoring.collectors.base import logger, one_line

INTERVAL_SETTING = "ERPKEEPER_COLLECT_INTERVAL"
DEFAULT_INTERVAL = 10

_thread: threading.Thread | None = None


def collect_interval() -> int:
    """Seconds between collections; 0 = off. A value that is not a whole number gives 10."""
    raw = os.environ.get(INTERVAL_SETTING, "").strip()
    if not raw:
        return DEFAULT_INTERVAL
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        logger.warning(
            "%s=%r is not a number of seconds; using %d", INTERVAL_SETTING, raw, DEFAULT_INTERVAL
        )
        return DEFAULT_INTERVAL
    return value


def start_embedded_collector(stop_event: threading.Event) -> threading.Thread | None:
    """Start the collector thread (once per process); it ends when ``stop_event`` is set.

    Returns None when the collector is turned off (interval 0).
    """
    global _thread
    interval = collect_interval()
    if interval == 0:
        logger.info("embedded collector off (%s=0)", INTERVAL_SETTING)
        return None
    if _thread is not None and _thread.is_alive():
        return _thread
    _thread = threading.Thread(
        target=run_embedded_collector,
        args=(stop_event, interval),
        name="erpkeeper-embedded-collector",
        daemon=True,  # never holds the worker's exit; the stop event ends it cleanly first
    )
    _thread.start()
    return _thread


def run_embedded_collector(stop_event: threading.Event, interval: float) -> None:
    """Collect and ingest every ``interval`` seconds until ``stop_event`` is set."""
    from django.db import connection

    from erpkeeper.core.jobs.runner import refresh_connection
    from erpkeeper.monitoring.collectors.embedded import EmbeddedCollector

    logger.info("embedded collector started: every %s s", interval)
    collector = EmbeddedCollector()
    try:
        while not stop_event.is_set():
            started = time.monotonic()
            refresh_connection()
            try:
                collector.collect_and_ingest(dt.datetime.now(dt.UTC))
            except Exception as exc:  # noqa: BLE001  (the next round may succeed: keep going)
                logger.warning("embedded collection failed: %s", one_line(exc))
            # Keep the rhythm: a slow round shortens the wait rather than drifting.
            stop_event.wait(max(0.0, interval - (time.monotonic() - started)))
    finally:
        collector.close()
        connection.close()
        logger.info("embedded collector stopped")
