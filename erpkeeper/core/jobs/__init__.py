"""Background jobs: every run is a ``Job`` row (status, progress, log, error) run by a worker.

Public API (see docs/jobs.md):

    from erpkeeper.core.jobs import job_kind, enqueue, cancel, retry, JobError

    @job_kind("target.check", needs_target=True)
    def check(ctx):
        ctx.progress(50, "connecting")
        ctx.result["ok"] = True

    job = enqueue("target.check", target=target, requested_by=request.user)

Apps put their kinds in ``<app>/jobs.py``; it is imported in every process on first use.
Periodic work is registered with ``erpkeeper.core.scheduler.register_periodic``.
"""

from erpkeeper.core.jobs.context import (
    JobCancelled,
    JobContext,
    JobError,
    WorkerStopping,
)
from erpkeeper.core.jobs.reaper import reap_stale_jobs
from erpkeeper.core.jobs.registry import JobKind, get_kind, job_kind, kinds, load_kinds
from erpkeeper.core.jobs.runner import run_job
from erpkeeper.core.jobs.services import (
    JobStateError,
    active_job,
    cancel,
    enqueue,
    retry,
)

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobError",
    "JobKind",
    "JobStateError",
    "WorkerStopping",
    "active_job",
    "cancel",
    "enqueue",
    "get_kind",
    "job_kind",
    "kinds",
    "load_kinds",
    "reap_stale_jobs",
    "retry",
    "run_job",
]
