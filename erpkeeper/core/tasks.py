"""Huey tasks. A job's queue message carries only its id; the ``Job`` row is the truth."""

from huey.contrib.djhuey import HUEY, db_task

from erpkeeper.core.jobs.runner import run_job


@db_task(name="erpkeeper.run_job")
def run_job_task(job_id: int) -> None:
    # In immediate mode (tests) the job runs inside the caller's request: no heartbeat thread.
    run_job(job_id, heartbeat=not HUEY.immediate)
