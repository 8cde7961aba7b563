"""The embedded collector's background thread, run by the worker that runs the scheduler.

The scheduler ticks once a minute; metrics are wanted every ``ERPKEEPER_COLLECT_INTERVAL``
seconds (default 10; 0 turns the embedded collector off), hence a thread of its own.
"""

from __future__ import annotations

import datetime as dt
import threading

from erpkeeper.core.loops import PeriodicLoop, Round
from erpkeeper.monitoring.collectors.embedded import EmbeddedCollector

INTERVAL_SETTING = "COLLECT_INTERVAL"


def collection_round() -> Round:
    collector = EmbeddedCollector()
    return lambda: collector.collect_and_ingest(dt.datetime.now(dt.UTC)), collector.close


LOOP = PeriodicLoop("embedded collector", INTERVAL_SETTING, collection_round)


def start_embedded_collector(stop_event: threading.Event) -> threading.Thread | None:
    """Start the collector thread (once per process); None when turned off (interval 0)."""
    return LOOP.start(stop_event)
