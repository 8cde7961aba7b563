"""Periodic work: cron-like schedules, evaluated once a minute by the worker started as scheduler.

Apps register schedules at import time in their ``<app>/jobs.py``::

    register_periodic("backup.nightly", cron="0 3 * * *", kind="backup.run", targets="each")

and data-driven schedules (e.g. one per backup policy row) through ``@schedule_source``. Each
due schedule either enqueues Jobs (``kind=``; one per target with ``targets="each"``) or calls a
light housekeeping function inline (``call=``, e.g. the reaper: no Job row every minute).

Cron fields are ``minute hour day-of-month month day-of-week`` (0 = Sunday) in
``settings.TIME_ZONE``. Several scheduler processes may run (one per machine by mistake, or
during a restart): each (schedule, minute) is claimed once in the queue's key-value store
(shared by every worker of the queue), so a schedule never fires twice for the same minute.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY

from erpkeeper.core.audit import audit_context
from erpkeeper.core.jobs.reaper import reap_stale_jobs
from erpkeeper.core.jobs.registry import get_kind, load_kinds
from erpkeeper.core.jobs.runner import refresh_connection
from erpkeeper.core.jobs.services import active_job, enqueue
from erpkeeper.core.models import Job

logger = logging.getLogger(__name__)

MINUTE = dt.timedelta(minutes=1)
CATCH_UP_MINUTES = 5  # minutes evaluated late after a stall; older ones are skipped
CLAIM_PREFIX = "erpkeeper:schedule:"
EACH = "each"


def parse_cron(expression: str) -> Callable[[dt.datetime], bool]:
    """A matcher for a five-field cron expression; ``ValueError`` with the reason otherwise."""
    fields = str(expression).split()
    if len(fields) != 5:
        raise ValueError(
            f"cron {expression!r}: expected 5 fields (minute hour day month weekday), "
            f"got {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    try:
        return crontab(minute, hour, day, month, weekday, strict=True)
    except ValueError as exc:
        raise ValueError(f"cron {expression!r}: {exc}") from None


@dataclass(frozen=True)
class Schedule:
    """One periodic piece of work. Exactly one of ``kind`` (enqueue jobs) or ``call``."""

    name: str
    cron: str
    kind: str | None = None
    call: Callable[[], object] | None = None
    params: dict = field(default_factory=dict)
    params_fn: Callable[[object], dict] | None = None  # fn(target or None) -> params
    targets: str | Callable[[], Iterable] | None = None  # None, "each", or fn() -> targets
    skip_if_active: bool = True
    description: str = ""
    matcher: Callable[[dt.datetime], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if (self.kind is None) == (self.call is None):
            raise ValueError(f"schedule {self.name!r}: give exactly one of kind= or call=")
        if self.targets not in (None, EACH) and not callable(self.targets):
            raise ValueError(f"schedule {self.name!r}: targets must be None, 'each' or callable")
        object.__setattr__(self, "matcher", parse_cron(self.cron))

    def is_due(self, minute: dt.datetime) -> bool:
        """Whether the schedule fires in ``minute`` (an aware datetime), in the local time zone."""
        local = minute.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        return self.matcher(local.replace(tzinfo=None))

    def next_run(self, after: dt.datetime | None = None, horizon_days: int = 31):
        """The next minute after ``after`` when it fires, within ``horizon_days``; else None."""
        minute = _floor(after or timezone.now()) + MINUTE
        for _ in range(horizon_days * 24 * 60):
            if self.is_due(minute):
                return minute
            minute += MINUTE
        return None


_schedules: dict[str, Schedule] = {}
_sources: list[Callable[[], Iterable[Schedule]]] = []


def register_periodic(name: str, cron: str, **options) -> Schedule:
    """Register (or replace) the schedule ``name``. See ``Schedule`` for the options."""
    schedule = Schedule(name=name, cron=cron, **options)
    _schedules[name] = schedule
    return schedule


def unregister_periodic(name: str) -> None:
    _schedules.pop(name, None)


def schedule_source(fn: Callable[[], Iterable[Schedule]]):
    """Register ``fn() -> [Schedule, …]``, read at every tick (schedules kept as data)."""
    _sources.append(fn)
    return fn


def schedules() -> list[Schedule]:
    """Every schedule: registered ones, then those from sources (a failing source is skipped)."""
    load_kinds()
    found = dict(_schedules)
    for source in list(_sources):
        try:
            for schedule in source():
                found.setdefault(schedule.name, schedule)
        except Exception:
            logger.exception("schedule source %s failed; its schedules are skipped", source)
    return [found[name] for name in sorted(found)]


def tick(minute: dt.datetime | None = None) -> list[str]:
    """Run every schedule due in ``minute`` that no other process has claimed; return names."""
    minute = _floor(minute or timezone.now())
    fired = []
    refresh_connection()
    try:
        with audit_context(actor_name="system:scheduler", source="system"):
            for schedule in schedules():
                if schedule.is_due(minute) and claim(schedule.name, minute):
                    _run_safely(schedule)
                    fired.append(schedule.name)
    finally:
        refresh_connection()
    return fired


def claim(name: str, minute: dt.datetime) -> bool:
    """True for exactly one caller per (schedule, minute) across every worker of the queue."""
    if not HUEY.put_if_empty(_claim_key(name, minute), "1"):
        return False
    # Claims older than the catch-up window can never be contested again.
    HUEY.delete(_claim_key(name, minute - (CATCH_UP_MINUTES + 5) * MINUTE))
    return True


def _claim_key(name: str, minute: dt.datetime) -> str:
    return f"{CLAIM_PREFIX}{name}:{minute.astimezone(dt.UTC):%Y%m%d%H%M}"


def _run_safely(schedule: Schedule) -> None:
    try:
        run_schedule(schedule)
    except Exception:
        logger.exception("schedule %s failed", schedule.name)


def run_schedule(schedule: Schedule) -> list:
    """Fire ``schedule`` now: call its function, or enqueue its jobs. Returns the jobs queued."""
    if schedule.call is not None:
        schedule.call()
        return []
    get_kind(schedule.kind)  # fail loudly on a typo
    jobs = []
    for target in _targets(schedule):
        if schedule.skip_if_active and active_job(schedule.kind, target) is not None:
            logger.info(
                "schedule %s: %s still active for %s; skipped", schedule.name, schedule.kind, target
            )
            continue
        params = schedule.params_fn(target) if schedule.params_fn else dict(schedule.params or {})
        jobs.append(
            enqueue(
                schedule.kind,
                target=target,
                params=params,
                requested_by_name=f"schedule:{schedule.name}",
            )
        )
    return jobs


def _targets(schedule: Schedule) -> list:
    if schedule.targets is None:
        return [None]
    if schedule.targets == EACH:
        # The model jobs point at, reached through Job's foreign key: core knows no domain.
        target_model = Job._meta.get_field("target").related_model
        return list(target_model.objects.order_by("name"))
    return list(schedule.targets())


def _floor(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


class MinuteTicker:
    """Calls ``tick`` once for every wall-clock minute, catching up briefly after a stall."""

    def __init__(self):
        self.last: dt.datetime | None = None

    def poll(self, now: dt.datetime | None = None) -> None:
        minute = _floor(now or timezone.now())
        if self.last is None:
            self.last = minute - MINUTE
        if minute <= self.last:
            return  # same minute, or the clock went back: wait until it passes the last one
        current = max(self.last + MINUTE, minute - (CATCH_UP_MINUTES - 1) * MINUTE)
        while current <= minute:
            try:
                tick(current)
            except Exception:
                logger.exception("scheduler tick for %s failed", current)
            current += MINUTE
        self.last = minute


register_periodic(
    "core.reap_stale_jobs",
    "* * * * *",
    call=reap_stale_jobs,
    description="mark running jobs whose worker died as failed",
)
