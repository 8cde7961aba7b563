"""Heartbeats of the worker and the scheduler, and what ``/healthz`` concludes from them.

A worker killed by the OOM killer takes nothing with it that the console would notice: the web
process goes on answering while nothing is backed up, collected, evaluated or sent. So the
consumer's main loop (every 10 s, where Huey also replaces dead worker threads) and the
scheduler thread each write "alive at <time>, by <host:pid>" into the queue's key-value store,
which every process of the installation shares (the SQLite queue file, or Redis when workers
run on several machines). ``/healthz`` answers 503 naming the part whose heartbeat is older
than ``HEALTH_STALE_SECONDS`` (60 s), or missing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from huey.contrib.djhuey import HUEY

from erpkeeper.core.jobs.runner import worker_identity

logger = logging.getLogger(__name__)

KEY_PREFIX = "erpkeeper:alive:"


class Part(models.TextChoices):
    WORKER = "worker", "worker"
    SCHEDULER = "scheduler", "scheduler"


def stale_seconds() -> float:
    return float(settings.HEALTH_STALE_SECONDS)


def beat_seconds() -> float:
    return float(settings.HEALTH_BEAT_SECONDS)


def _huey():
    return HUEY


def beat(part: Part, now: float | None = None) -> None:
    """Record that ``part`` of this process is alive. Never raises: a busy queue database
    must not stop the loop that beats (the next beat comes soon)."""
    value = {"at": time.time() if now is None else now, "by": worker_identity()}
    try:
        _huey().put(KEY_PREFIX + part, value)
    except Exception:  # noqa: BLE001
        logger.warning("could not record the %s's heartbeat", part, exc_info=True)


class Beater:
    """Beats at most every ``beat_seconds()``; for loops that turn more often than that."""

    def __init__(self, part: Part):
        self.part = part
        self.last = 0.0

    def __call__(self) -> None:
        now = time.monotonic()
        if now - self.last >= beat_seconds():
            self.last = now
            beat(self.part)


@dataclass(frozen=True)
class PartHealth:
    part: str
    last_seen: float | None  # unix time of the newest heartbeat, None if never
    by: str
    age_seconds: float | None

    def as_json(self) -> dict:
        return {
            "last_seen": self.last_seen,
            "by": self.by,
            "age_seconds": None if self.age_seconds is None else round(self.age_seconds, 1),
        }


def part_health(part: Part, now: float | None = None) -> PartHealth:
    now = time.time() if now is None else now
    found = _huey().get(KEY_PREFIX + part, peek=True)  # peek: a plain get() removes the key
    if not isinstance(found, dict) or "at" not in found:
        return PartHealth(part, None, "", None)
    at = float(found["at"])
    return PartHealth(part, at, str(found.get("by", "")), max(0.0, now - at))


def health(now: float | None = None) -> tuple[list[str], dict]:
    """The names of the stale parts (empty when healthy) and every part's heartbeat."""
    limit = stale_seconds()
    parts = {part.value: part_health(part, now) for part in Part}
    stale = [
        name
        for name, found in parts.items()
        if found.age_seconds is None or found.age_seconds > limit
    ]
    return stale, {name: found.as_json() for name, found in parts.items()}
