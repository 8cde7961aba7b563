"""Job operations for every interface: enqueue, cancel, retry. The worker side is in runner.py."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey.contrib.djhuey import HUEY

from erpkeeper.core.audit import current_context
from erpkeeper.core.jobs.context import timestamped
from erpkeeper.core.jobs.reaper import reap_stale_jobs
from erpkeeper.core.jobs.registry import get_kind
from erpkeeper.core.models import Job
from erpkeeper.core.tasks import run_job_task

logger = logging.getLogger(__name__)

ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)


class JobStateError(Exception):
    """The operation does not apply to the job in its current state (e.g. cancel a finished job)."""


@dataclass(frozen=True)
class JobRequest:
    """What a ``request_<operation>()`` service returns: the job, and whether the same work was
    already queued or running (then that job is returned, not a new one)."""

    job: Job
    reused: bool = False


def enqueue(
    kind: str,
    *,
    target=None,
    params: dict | None = None,
    requested_by=None,
    requested_by_name: str = "",
    reuse_active: bool = False,
    note: str = "",
) -> Job:
    """Record a queued job and hand it to the queue once the surrounding transaction commits.

    ``requested_by`` is the user who asked (None for the scheduler or the system);
    ``requested_by_name`` defaults to that user's name, else the current audit actor.
    With ``reuse_active`` an already queued or running job of the same kind and target is
    returned instead of a second one. ``note`` becomes the log's second line.
    """
    if reuse_active:
        job, _reused = enqueue_once(
            kind,
            target=target,
            params=params,
            requested_by=requested_by,
            requested_by_name=requested_by_name,
            note=note,
        )
        return job
    _check_request(kind, target, params)
    return _create(kind, target, params, requested_by, requested_by_name, note)


def enqueue_once(
    kind: str,
    *,
    target=None,
    params: dict | None = None,
    requested_by=None,
    requested_by_name: str = "",
    note: str = "",
) -> tuple[Job, bool]:
    """``(job, reused)``: the queued or running job of this kind and target if there is one
    (``reused`` True), else a new one. A run whose process died is failed first, never reused."""
    _check_request(kind, target, params)  # before anything is reaped or written
    reap_stale_jobs()
    active = active_job(kind, target)
    if active is not None:
        return active, True
    return _create(kind, target, params, requested_by, requested_by_name, note), False


def _check_request(kind: str, target, params) -> None:
    """ValueError for an unknown kind, a missing target or parameters that are not a dict."""
    if get_kind(kind).needs_target and target is None:
        raise ValueError(f"job kind {kind!r} needs a target")
    if params is not None and not isinstance(params, dict):
        raise ValueError("job parameters must be a JSON object")


def _create(kind, target, params, requested_by, requested_by_name, note) -> Job:
    name = requested_by_name or _actor_name(requested_by)
    job = Job.objects.create(
        kind=kind,
        target=target,
        params=params or {},
        requested_by=requested_by,
        requested_by_name=name[:150],
        log=[timestamped(f"queued by {name}")] + ([timestamped(note)] if note else []),
    )
    transaction.on_commit(lambda: _send_to_queue(job.pk))
    return job


def _actor_name(user) -> str:
    if user is not None:
        return user.get_username()
    return current_context().actor_name


def _send_to_queue(job_id: int) -> None:
    try:
        result = run_job_task(job_id)
    except Exception as exc:
        # The queue (Redis, the SQLite queue file) is down: say so on the row, do not hide it.
        logger.exception("could not enqueue job %s", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
            status=Job.Status.FAILED,
            error=_("could not reach the job queue: %(error)s") % {"error": exc},
            finished=timezone.now(),
        )
        return
    task_id = getattr(result, "id", "") or ""
    if task_id:
        Job.objects.filter(pk=job_id).update(task_id=task_id)


def requeue_lost_jobs(min_age_seconds: float = 10.0) -> list[int]:
    """Send queued jobs whose queue message is gone (queue flushed, moved to Redis …) again.

    Safe to over-send: a job is claimed once, so a duplicate message is a no-op. Workers call
    this when they start.
    """
    in_queue = {
        task.args[0] for task in HUEY.pending() if task.name == run_job_task.name and task.args
    }
    cutoff = timezone.now() - dt.timedelta(seconds=min_age_seconds)
    lost = Job.objects.filter(status=Job.Status.QUEUED, created__lt=cutoff).exclude(pk__in=in_queue)
    ids = list(lost.order_by("created").values_list("pk", flat=True))
    for job_id in ids:
        _send_to_queue(job_id)
    return ids


def active_job(kind: str, target=None) -> Job | None:
    """The queued or running job of this kind (and target), if any."""
    return (
        Job.objects.filter(kind=kind, target=target, status__in=ACTIVE).order_by("created").first()
    )


def cancel(job: Job, actor=None) -> Job:
    """Cancel a job: a queued one at once, a running one at its next progress/cancel check.

    Raises ``JobStateError`` for a job that has already finished. The row is saved (not bulk
    updated) so the audit trail records who cancelled it.
    """
    name = _actor_name(actor)[:150]
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.is_finished:
            raise JobStateError(
                _("job %(id)s has already finished (%(status)s)")
                % {"id": locked.pk, "status": locked.get_status_display()}
            )
        if locked.cancel_requested is None:
            now = timezone.now()
            locked.cancel_requested = now
            locked.cancelled_by_name = name
            fields = ["cancel_requested", "cancelled_by_name"]
            if locked.status == Job.Status.QUEUED:
                locked.status = Job.Status.CANCELLED
                locked.finished = now
                locked.log = [*locked.log, timestamped(f"cancelled by {name} before it started")]
                fields += ["status", "finished", "log"]
            locked.save(update_fields=fields)
    job.refresh_from_db()
    return job


def retry(job: Job, actor=None) -> Job:
    """Queue a new job with the same kind, target and parameters as ``job`` (which must be over)."""
    if not job.is_finished:
        raise JobStateError(
            _("job %(id)s is still %(status)s; cancel it first or wait for it")
            % {"id": job.pk, "status": job.get_status_display()}
        )
    return enqueue(
        job.kind,
        target=job.target,
        params=job.params,
        requested_by=actor,
        note=f"retry of job #{job.pk}",
    )
