"""The worker side of a job: claim the row, run the handler, record how it ended.

A row is claimed with a conditional ``UPDATE … WHERE status = 'queued'``; only the process whose
update changed one row runs the job, so a job never runs twice even if its queue message is
delivered twice. While the handler runs, a heartbeat thread touches ``Job.heartbeat`` so the
reaper can tell a live run from one whose worker was killed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from erpkeeper.core.audit import audit_context, record_change
from erpkeeper.core.jobs.context import (
    JobCancelled,
    JobContext,
    JobError,
    WorkerStopping,
)
from erpkeeper.core.jobs.registry import get_kind
from erpkeeper.core.models import Job

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


def worker_identity() -> str:
    """``host:pid`` of this process, stored on the rows it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def refresh_connection() -> None:
    """Drop this thread's connection if it is broken or too old (never inside a transaction)."""
    if not connection.in_atomic_block:
        close_old_connections()


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOBS_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))


def claim(job_id: int) -> bool:
    """Move the job from queued to running for this process; False if someone else has it."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started=now,
        heartbeat=now,
        worker=worker_identity()[:255],
    )
    return claimed == 1


def run_job(job_id: int, *, heartbeat: bool = True) -> Job | None:
    """Run one queued job to its end. Returns the finished row, or None if it was not ours."""
    if not claim(job_id):
        logger.info("job %s was not queued any more (cancelled, or run elsewhere); skipped", job_id)
        return None
    job = Job.objects.select_related("target", "requested_by").get(pk=job_id)
    ctx = JobContext(job)
    beat = Heartbeat(job.pk) if heartbeat else None
    if beat:
        beat.start()
    try:
        outcome = _execute(job, ctx)
    finally:
        if beat:
            beat.stop()
    _finish(job, ctx, **outcome)
    job.refresh_from_db()
    return job


def _execute(job: Job, ctx: JobContext) -> dict:
    """Run the handler under the job's audit identity; return the fields describing the end."""
    try:
        kind = get_kind(job.kind)
    except ValueError as exc:
        return {"status": Job.Status.FAILED, "error": str(exc)}
    # Changes made by a job are attributed to ``system:<kind>``; the request id points back to
    # this row, which records who asked for it.
    with audit_context(actor_name=f"system:{job.kind}", source="job", request_id=f"job:{job.pk}"):
        try:
            ctx.log(f"started on {worker_identity()}")
            returned = kind.handler(ctx)
            if isinstance(returned, dict) and not ctx.result:
                ctx.result = returned
        except JobCancelled:
            by = _cancelled_by(job.pk)
            ctx.append_log(f"cancelled by {by} while running")
            return {"status": Job.Status.CANCELLED}
        except WorkerStopping:
            message = "the worker was stopped while running this job; retry it"
            ctx.append_log(message)
            return {"status": Job.Status.FAILED, "error": message}
        except (JobError, *kind.expected_errors) as exc:
            message = _one_line(exc)
            ctx.append_log(f"failed: {message}")
            return {"status": Job.Status.FAILED, "error": message}
        except Exception as exc:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            ctx.append_log(traceback.format_exc())
            return {"status": Job.Status.FAILED, "error": f"{type(exc).__name__}: {_one_line(exc)}"}
    ctx.append_log("succeeded")
    return {"status": Job.Status.SUCCEEDED}


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:1000] or type(exc).__name__


def _cancelled_by(job_id: int) -> str:
    name = Job.objects.filter(pk=job_id).values_list("cancelled_by_name", flat=True).first()
    return name or "someone"


def _finish(job: Job, ctx: JobContext, status: str, error: str = "") -> None:
    fields = ctx.final_fields()
    if status == Job.Status.SUCCEEDED:
        fields["progress"] = 100.0
    result = _jsonable(ctx.result if isinstance(ctx.result, dict) else {"value": ctx.result})
    end = {"status": status, "error": error, "result": result, "finished": timezone.now()}
    with (
        audit_context(actor_name=f"system:{job.kind}", source="job", request_id=f"job:{job.pk}"),
        transaction.atomic(),
    ):
        updated = Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, worker=worker_identity()[:255]
        ).update(heartbeat=timezone.now(), **end, **fields)
        if updated:
            record_job_change(job, {"status": Job.Status.RUNNING}, end)
    if not updated:
        # The reaper gave up on this run (no heartbeat for too long); its verdict stands.
        logger.warning("job %s ended as %s but was already marked as finished", job.pk, status)


def record_job_change(job: Job, before: dict, after: dict) -> None:
    """Put a change made by a conditional UPDATE (no model signals) in the audit trail."""
    record_change(job, before, after)


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))


class Heartbeat:
    """A thread that touches ``Job.heartbeat`` every few seconds while the handler runs."""

    def __init__(self, job_id: int, interval: float | None = None):
        self.job_id = job_id
        self.interval = interval or heartbeat_seconds()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-{job_id}-heartbeat", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        try:
            refresh_connection()
            Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
                heartbeat=timezone.now()
            )
        except Exception:  # a busy or briefly unreachable database: try again next beat
            logger.warning("heartbeat of job %s failed", self.job_id, exc_info=True)
