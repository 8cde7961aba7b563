"""What every collector shares: the sample it produces, the interface, and failure handling.

Nothing here imports Django: the agent (``erpkeeper agent``) runs the same collectors on
machines without ERPKeeper's server. Messages go through ``_``, which translates only when
Django is already loaded (in the server), and leaves them in English in the agent.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import math
import sys
from dataclasses import dataclass, field

logger = logging.getLogger("erpkeeper.monitoring.collectors")

UP_METRIC = "collector.up"


def _(message: str) -> str:
    # Only translate inside a process that already runs Django: importing it here would make
    # the agent pay for Django's memory and start-up for messages nobody reads translated.
    if "django.apps" not in sys.modules:
        return message
    from erpkeeper.lib.i18n import gettext  # noqa: PLC0415  (the agent runs without Django)

    return gettext(message)


@dataclass(frozen=True)
class Sample:
    """One measurement; the fields of storage's ``MetricSample`` (that one needs Django)."""

    metric: str
    value: float
    time: dt.datetime
    labels: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    unit: str = ""


class CollectorError(Exception):
    """A collection that failed for a known reason; the message is one line without secrets."""


class Collector(abc.ABC):
    """Produces samples for one thing: this host, or one target's database or ERP."""

    name = ""

    def __init__(self, target: str | None = None):
        self.target = target  # target NAME, for samples about a target
        self.reasons: list[str] = []  # why the collector is not available, when it is not

    def available(self) -> bool:
        return not self.reasons

    @abc.abstractmethod
    def collect(self, now: dt.datetime) -> list[Sample]:
        """Samples at ``now``; raise ``CollectorError`` (or anything) when it cannot."""

    def close(self) -> None:  # noqa: B027  (only collectors holding connections need it)
        """Release connections; the collector may be used again afterwards (it reconnects)."""

    def sample(self, metric: str, value: float, now: dt.datetime, unit: str = "", **labels):
        return Sample(
            metric, float(value), now, {k: str(v) for k, v in labels.items()}, self.target, unit
        )


def collect_safely(collector: Collector, now: dt.datetime) -> list[Sample]:
    """The collector's samples plus ``collector.up`` 1, or only ``collector.up`` 0 on failure.

    Never raises: one collector that fails (a database down) must not stop the others.
    """
    labels = {"collector": collector.name}
    if collector.target:
        labels["target"] = collector.target
    try:
        samples = collector.collect(now)
    except Exception as exc:  # noqa: BLE001  (any failure is reported as collector.up 0)
        logger.warning(
            "collector %s%s failed: %s",
            collector.name,
            f" ({collector.target})" if collector.target else "",
            one_line(exc),
        )
        collector.close()  # reconnect next time: the connection may be broken
        return [Sample(UP_METRIC, 0.0, now, labels, collector.target)]
    # Storage refuses a whole batch for one NaN (a flaky sensor): leave such readings out.
    finite = [sample for sample in samples if math.isfinite(sample.value)]
    return [*finite, Sample(UP_METRIC, 1.0, now, labels, collector.target)]


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


class RateTracker:
    """Per-second rates of cumulative counters between two calls (the first call gives none)."""

    def __init__(self):
        self._previous: dict[str, tuple[float, float]] = {}

    def rate(self, key: str, counter: float, at: float) -> float | None:
        previous = self._previous.get(key)
        self._previous[key] = (counter, at)
        if previous is None or at <= previous[1] or counter < previous[0]:
            return None  # first reading, clock jump, or the counter was reset (reboot)
        return (counter - previous[0]) / (at - previous[1])

    def delta(self, key: str, counter: float) -> float | None:
        """The increase since the previous call (None on the first call or after a reset)."""
        previous = self._previous.get(key)
        self._previous[key] = (counter, 0.0)
        if previous is None or counter < previous[0]:
            return None
        return counter - previous[0]
