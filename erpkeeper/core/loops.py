"""Work the scheduling worker repeats every few seconds in a thread of its own (the scheduler
only ticks once a minute): the embedded collector, the alert evaluator, the notification
sender.

    LOOP = PeriodicLoop("alert evaluator", "ALERT_INTERVAL", make_round)
    LOOP.start(stop_event)  # a thread, or None when the setting is 0

``make_round()`` runs in the thread and returns ``(run_round, close)``. A failed round is logged
and the next one runs on time: the database may be restarting, a target may be down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection

from erpkeeper.core.jobs.runner import refresh_connection

logger = logging.getLogger(__name__)

STOP_CHECK_SECONDS = 1.0
Round = tuple[Callable[[], None], Callable[[], None]]


class PeriodicLoop:
    def __init__(self, label: str, setting: str, make_round: Callable[[], Round]):
        self.label = label
        self.setting = setting  # the name in settings.py, read from $ERPKEEPER_<setting>
        self.make_round = make_round
        self.thread: threading.Thread | None = None
        self._nudged = threading.Event()

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def nudge(self) -> None:
        """Run the next round now instead of at the end of the interval."""
        self._nudged.set()

    def interval(self) -> float:
        """Seconds between rounds; 0 = off (a bad value is a start-up configuration error)."""
        return float(getattr(settings, self.setting))

    def start(
        self, stop_event: threading.Event, interval: float | None = None
    ) -> threading.Thread | None:
        """Start the thread (once per process); it ends when ``stop_event`` is set."""
        interval = self.interval() if interval is None else interval
        if interval == 0:
            logger.info("%s off (ERPKEEPER_%s=0)", self.label, self.setting)
            return None
        if self.running:
            return self.thread
        self.thread = threading.Thread(
            target=self.run,
            args=(stop_event, interval),
            name="erpkeeper-" + self.label.replace(" ", "-"),
            daemon=True,  # never holds the worker's exit; the stop event ends it cleanly first
        )
        self.thread.start()
        return self.thread

    def run(self, stop_event: threading.Event, interval: float) -> None:
        logger.info("%s started: every %s s", self.label, interval)
        run_round, close = self.make_round()
        try:
            while not stop_event.is_set():
                started = time.monotonic()
                self._nudged.clear()  # a nudge from now on asks for the round after this one
                refresh_connection()
                try:
                    run_round()
                except Exception as exc:  # noqa: BLE001  (the next round may succeed)
                    # One line each time (a database that is down fails every round); the
                    # traceback at debug level.
                    logger.warning("%s: round failed: %s", self.label, " ".join(str(exc).split()))
                    logger.debug("%s: round failed", self.label, exc_info=True)
                self._wait(stop_event, started + interval)
        finally:
            close()
            connection.close()
            logger.info("%s stopped", self.label)

    def _wait(self, stop_event: threading.Event, until: float) -> None:
        """Until ``until`` (a slow round shortens the wait rather than drifting), a nudge or
        the stop, whichever comes first; the stop is looked at every second at least."""
        while not stop_event.is_set() and (left := until - time.monotonic()) > 0:
            if self._nudged.wait(min(left, STOP_CHECK_SECONDS)):
                return
