"""Ending runs whose worker died: a job must never stay "running" forever.

A run is given up at once when its worker was on this host and that process no longer exists
(kill -9, OOM killer, crash); when its worker is on another machine, once its heartbeat is older
than ``JOBS_STALE_SECONDS`` (60 s); when its worker process here is alive but silent for ten times
that (hung).
The scheduler runs this every minute and every worker runs it when it starts.

A job's rows in its domain (a backup "running", partial files at a destination) are the domain's
business: an app registers a callback for its job kinds (``on_job_reaped("backup.run")``, in its
``AppConfig.ready``), and the reaper calls it once for every run of those kinds it gave up on, so
the domain fails its own rows, removes what the run left and raises its own notices.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from collections.abc import Callable

import psutil
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from erpkeeper.core.audit import audit_context
from erpkeeper.core.jobs.context import timestamped
from erpkeeper.core.jobs.runner import record_job_change, worker_identity
from erpkeeper.core.models import Job

logger = logging.getLogger(__name__)

STALE_SECONDS = 60
LOCAL_HUNG_FACTOR = 10  # a live worker process on this host is given up after 10 minutes
WORKER_LOST = "the worker stopped while running this job (killed or crashed)"

# fn(job, reason): settle what a run of that kind left behind; keyed by job kind.
ReapHook = Callable[[Job, str], None]
_reap_hooks: dict[str, list[ReapHook]] = {}


def on_job_reaped(*kinds: str) -> Callable[[ReapHook], ReapHook]:
    """Register ``fn(job, reason)`` to run after a job of one of ``kinds`` was given up on.

    Registering the same function again (a second ``ready()`` in tests) changes nothing.
    """

    def register(hook: ReapHook) -> ReapHook:
        for kind in kinds:
            hooks = _reap_hooks.setdefault(kind, [])
            if hook not in hooks:
                hooks.append(hook)
        return hook

    return register


def reap_hooks(kind: str) -> list[ReapHook]:
    return list(_reap_hooks.get(kind, ()))


def stale_seconds() -> float:
    return float(getattr(settings, "JOBS_STALE_SECONDS", STALE_SECONDS))


def reap_stale_jobs(now: dt.datetime | None = None) -> list[int]:
    """Mark running jobs whose worker is gone as failed; return their ids."""
    now = now or timezone.now()
    running = Job.objects.filter(status=Job.Status.RUNNING).only(
        "pk", "kind", "worker", "started", "heartbeat", "log"
    )
    reaped = [job.pk for job in running if _is_lost(job, now) and _fail(job, now)]
    if reaped:
        logger.warning("marked %d job(s) as failed, their worker is gone: %s", len(reaped), reaped)
    return reaped


def _is_lost(job: Job, now: dt.datetime) -> bool:
    silent = (now - job.heartbeat).total_seconds() if job.heartbeat else float("inf")
    if not worker_on_this_host(job.worker):
        return silent > stale_seconds()
    if not worker_alive(job.worker, job.started):
        return True
    # The process is alive: a late heartbeat is more likely a busy database (SQLite allows one
    # writer; a handler's long transaction delays it) than a dead run. Only a hung worker is
    # this silent.
    return silent > LOCAL_HUNG_FACTOR * stale_seconds()


def worker_on_this_host(worker: str) -> bool:
    host, _, pid_text = (worker or "").rpartition(":")
    return host == socket.gethostname() and pid_text.isdigit()


def fail_jobs_of_this_process(message: str) -> list[int]:
    """On worker exit: end the runs this process still holds (their threads die with it)."""
    mine = Job.objects.filter(status=Job.Status.RUNNING, worker=worker_identity())
    now = timezone.now()
    return [job.pk for job in mine if _fail(job, now, message, same_heartbeat=False)]


def _fail(job: Job, now: dt.datetime, message: str = WORKER_LOST, same_heartbeat=True) -> bool:
    # Conditional on what was seen: a run that just finished, or whose heartbeat just moved
    # (it is alive after all), is left alone.
    rows = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker)
    if same_heartbeat:
        rows = rows.filter(Q(heartbeat=job.heartbeat) | Q(heartbeat__isnull=True))
    end = {"status": Job.Status.FAILED, "error": message, "finished": now}
    with audit_context(actor_name="system:reaper", source="job"), transaction.atomic():
        updated = rows.update(log=[*(job.log or []), timestamped(message)], **end)
        if updated == 1:
            record_job_change(job, {"status": Job.Status.RUNNING}, end)
    if updated == 1:
        run_reap_hooks(job, message)
    return updated == 1


def run_reap_hooks(job: Job, reason: str) -> None:
    """Let the job's domain settle its rows. After the job's own update has committed: a
    failing hook never leaves the job "running" (the domain's periodic sweep retries it)."""
    for hook in reap_hooks(job.kind):
        try:
            with audit_context(actor_name="system:reaper", source="job"):
                hook(job, reason)
        except Exception:  # noqa: BLE001  (one domain's failure must not stop the reaper)
            logger.exception(
                "job %s (%s) was marked failed, but settling its rows failed", job.pk, job.kind
            )


def worker_alive(worker: str, started: dt.datetime | None) -> bool:
    """False only when ``worker`` ("host:pid") is on this host and that process is gone.

    A pid reused by a process created after the job started counts as gone.
    """
    if not worker_on_this_host(worker):
        return True  # another machine: only the heartbeat can tell
    try:
        process = psutil.Process(int(worker.rpartition(":")[2]))
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = dt.datetime.fromtimestamp(process.create_time(), tz=dt.UTC)
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return False
    except psutil.AccessDenied:
        return True
    return started is None or created <= started + dt.timedelta(seconds=1)
