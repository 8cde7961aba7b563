"""Job services in-process: enqueue, run, claim, cancel, retry, errors, progress and log."""

from __future__ import annotations

import datetime as dt
import os
import socket

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from erpkeeper.core.jobs import (
    JobError,
    JobStateError,
    cancel,
    enqueue,
    job_kind,
    reap_stale_jobs,
    retry,
    run_job,
)
from erpkeeper.core.jobs import context as job_context
from erpkeeper.core.jobs.reaper import WORKER_LOST, worker_alive
from erpkeeper.core.jobs.registry import unregister
from erpkeeper.core.jobs.runner import Heartbeat, claim, worker_identity
from erpkeeper.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds():
    """Throwaway kinds registered by a test, removed afterwards."""
    names = []

    def register(name, fn, **options):
        names.append(name)
        job_kind(name, **options)(fn)

    yield register
    for name in names:
        unregister(name)


@pytest.fixture
def immediate_huey():
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = False


def test_it_runs_a_job_end_to_end_through_the_queue(
    immediate_huey, django_capture_on_commit_callbacks, alice, target
):
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue("core.test.sleep", target=target, params={"seconds": 0.2}, requested_by=alice)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert job.requested_by == alice and job.requested_by_name == "alice"
    assert job.started and job.finished and job.finished >= job.started
    assert job.worker == worker_identity()
    # The work is attributed to the job, not to the person who asked for it.
    assert job.result["actor"] == "system:core.test.sleep"
    assert job.result["source"] == "job"
    assert any("queued by alice" in line for line in job.log)
    assert job.log[-1].endswith("succeeded")


def test_it_enqueues_on_commit_only(django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("erpkeeper.core.jobs.services._send_to_queue", sent.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = enqueue("core.test.sleep")
    assert job.status == Job.Status.QUEUED
    assert sent == [] and len(callbacks) == 1
    callbacks[0]()
    assert sent == [job.pk]


def test_it_rejects_an_unknown_kind_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown job kind 'nope\.nothing'.*core\.test\.sleep"):
        enqueue("nope.nothing")
    assert not Job.objects.exists()


def test_it_requires_a_target_when_the_kind_needs_one(kinds):
    kinds("tests.needs_target", lambda ctx: None, needs_target=True)
    with pytest.raises(ValueError, match="needs a target"):
        enqueue("tests.needs_target")


def test_it_never_runs_a_job_twice():
    job = enqueue("core.test.sleep", params={"seconds": 0})
    assert run_job(job.pk, heartbeat=False).status == Job.Status.SUCCEEDED
    finished = Job.objects.get(pk=job.pk).finished
    assert run_job(job.pk, heartbeat=False) is None  # the message delivered again
    assert claim(job.pk) is False
    assert Job.objects.get(pk=job.pk).finished == finished


def test_it_cancels_a_queued_job_at_once_and_the_worker_skips_it(alice):
    job = enqueue("core.test.sleep")
    job = cancel(job, actor=alice)
    assert job.status == Job.Status.CANCELLED
    assert job.cancelled_by_name == "alice" and job.finished is not None
    assert run_job(job.pk, heartbeat=False) is None
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_a_running_job_stops_at_its_next_checkpoint_when_cancelled(kinds, alice):
    steps = []

    def long_work(ctx):
        for step in range(100):
            if step == 3:  # someone presses "cancel" while it runs
                cancel(Job.objects.get(pk=ctx.job.pk), actor=alice)
                job_context.CANCEL_POLL_SECONDS = 0
            steps.append(step)
            ctx.progress(step)

    kinds("tests.long", long_work)
    poll = job_context.CANCEL_POLL_SECONDS
    try:
        job = run_job(enqueue("tests.long").pk, heartbeat=False)
    finally:
        job_context.CANCEL_POLL_SECONDS = poll
    assert job.status == Job.Status.CANCELLED
    assert steps == [0, 1, 2, 3]
    assert job.finished is not None and job.error == ""
    assert "cancelled by alice while running" in job.log[-1]


def test_cancelling_a_finished_job_is_refused():
    job = run_job(enqueue("core.test.sleep", params={"seconds": 0}).pk, heartbeat=False)
    with pytest.raises(JobStateError, match="already finished"):
        cancel(job)


def test_retry_queues_a_new_job_with_the_same_kind_target_and_params(alice, target):
    job = run_job(
        enqueue("core.test.fail", target=target, params={"expected": True}).pk, heartbeat=False
    )
    again = retry(job, actor=alice)
    assert again.pk != job.pk and again.status == Job.Status.QUEUED
    assert (again.kind, again.target, again.params) == (job.kind, target, {"expected": True})
    assert again.requested_by == alice
    assert any(f"retry of job #{job.pk}" in line for line in again.log)
    with pytest.raises(JobStateError, match="still"):
        retry(again)


def test_an_expected_failure_is_one_line_without_traceback():
    job = run_job(enqueue("core.test.fail", params={"expected": True}).pk, heartbeat=False)
    assert job.status == Job.Status.FAILED
    assert job.error == "the test asked this job to fail"
    assert not any("Traceback" in line for line in job.log)
    assert job.finished is not None


def test_an_unexpected_failure_keeps_the_traceback_in_the_log():
    job = run_job(enqueue("core.test.fail", params={"expected": False}).pk, heartbeat=False)
    assert job.status == Job.Status.FAILED
    assert job.error == "RuntimeError: unexpected failure for tests"
    assert "\n" not in job.error
    assert any("Traceback (most recent call last)" in line for line in job.log)


def test_a_kind_may_declare_its_ordinary_errors(kinds):
    class Unreachable(Exception):
        pass

    def check(ctx):
        raise Unreachable("connection refused by erp-prod:5432")

    kinds("tests.check", check, expected_errors=(Unreachable,))
    job = run_job(enqueue("tests.check").pk, heartbeat=False)
    assert job.error == "connection refused by erp-prod:5432"
    assert not any("Traceback" in line for line in job.log)


def test_a_kind_removed_since_enqueue_fails_the_job_cleanly(kinds):
    kinds("tests.gone", lambda ctx: None)
    job = enqueue("tests.gone")
    unregister("tests.gone")
    job = run_job(job.pk, heartbeat=False)
    assert job.status == Job.Status.FAILED
    assert "unknown job kind 'tests.gone'" in job.error


def test_progress_writes_are_throttled(kinds):
    def chatty(ctx):
        for step in range(1000):
            ctx.progress(step / 10)  # 0.0 … 99.9: a hundred whole percents

    kinds("tests.chatty", chatty)
    job = enqueue("tests.chatty")
    with CaptureQueriesContext(connection) as queries:
        job = run_job(job.pk, heartbeat=False)
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) < 120
    assert job.progress == 100


def test_the_log_is_capped_keeping_the_start_and_the_end(kinds):
    def noisy(ctx):
        for line in range(3000):
            ctx.log(f"line {line}")

    kinds("tests.noisy", noisy)
    job = run_job(enqueue("tests.noisy").pk, heartbeat=False)
    assert len(job.log) <= job_context.LOG_MAX_LINES
    text = "\n".join(job.log)
    assert "line 0" in text and "line 2999" in text
    assert "lines omitted" in text
    assert job.log[-1].endswith("succeeded")


def test_a_handler_may_return_its_result(kinds):
    kinds("tests.returns", lambda ctx: {"rows": 3, "when": dt.date(2025, 1, 2)})
    job = run_job(enqueue("tests.returns").pk, heartbeat=False)
    assert job.result == {"rows": 3, "when": "2025-01-02"}


def test_the_heartbeat_touches_the_running_row():
    job = enqueue("core.test.sleep")
    assert claim(job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - dt.timedelta(minutes=5))
    Heartbeat(job.pk).beat()
    job.refresh_from_db()
    assert timezone.now() - job.heartbeat < dt.timedelta(seconds=5)


def _running(worker: str, heartbeat_age: float, started_age: float = 120) -> Job:
    job = enqueue("core.test.sleep")
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        worker=worker,
        started=now - dt.timedelta(seconds=started_age),
        heartbeat=now - dt.timedelta(seconds=heartbeat_age),
    )
    return job


def test_the_reaper_fails_runs_without_heartbeat_on_any_host():
    silent = _running("elsewhere:4242", heartbeat_age=600)
    alive = _running("elsewhere:4243", heartbeat_age=2)
    assert reap_stale_jobs() == [silent.pk]
    silent.refresh_from_db()
    assert silent.status == Job.Status.FAILED
    assert silent.error == WORKER_LOST
    assert silent.finished is not None
    assert Job.objects.get(pk=alive.pk).status == Job.Status.RUNNING


def test_the_reaper_fails_runs_of_a_dead_process_on_this_host_at_once():
    host = socket.gethostname()
    dead_pid = _pid_not_running()
    dead = _running(f"{host}:{dead_pid}", heartbeat_age=1)
    mine = _running(f"{host}:{os.getpid()}", heartbeat_age=1, started_age=0)
    assert reap_stale_jobs() == [dead.pk]
    assert Job.objects.get(pk=mine.pk).status == Job.Status.RUNNING


def test_a_reused_pid_does_not_keep_a_dead_run_alive():
    host = socket.gethostname()
    long_ago = timezone.now() - dt.timedelta(days=365 * 30)
    assert worker_alive(f"{host}:{os.getpid()}", timezone.now())
    assert not worker_alive(f"{host}:{os.getpid()}", long_ago)  # this process is younger
    assert worker_alive("another-host:1", long_ago)  # only the heartbeat can tell


def test_a_reaped_run_keeps_its_verdict_if_the_worker_reappears(kinds):
    def late(ctx):
        Job.objects.filter(pk=ctx.job.pk).update(status=Job.Status.FAILED, error=WORKER_LOST)
        ctx.log("still here")

    kinds("tests.late", late)
    job = run_job(enqueue("tests.late").pk, heartbeat=False)
    assert job.status == Job.Status.FAILED and job.error == WORKER_LOST


def test_job_errors_are_exported():
    assert issubclass(JobError, Exception)


def _pid_not_running() -> int:
    import psutil

    pid = 999_999
    while psutil.pid_exists(pid):
        pid -= 1
    return pid


def test_the_end_of_a_run_is_in_the_audit_trail_as_the_job():
    from erpkeeper.core.models import AuditEntry

    job = run_job(enqueue("core.test.fail", params={"expected": True}).pk, heartbeat=False)
    entries = AuditEntry.objects.filter(object_type="core.job", object_id=str(job.pk))
    end = entries.get(action="update", actor_name="system:core.test.fail")
    assert end.source == "job" and end.request_id == f"job:{job.pk}"
    assert end.after["status"] == "failed"
    assert end.after["error"] == "the test asked this job to fail"


def test_queued_jobs_that_lost_their_queue_message_are_sent_again(immediate_huey):
    from erpkeeper.core.jobs.services import requeue_lost_jobs

    lost = enqueue("core.test.sleep", params={"seconds": 0})  # on_commit never ran: no message
    fresh = enqueue("core.test.sleep", params={"seconds": 0})
    Job.objects.filter(pk=lost.pk).update(created=timezone.now() - dt.timedelta(minutes=5))
    assert requeue_lost_jobs() == [lost.pk]
    assert Job.objects.get(pk=lost.pk).status == Job.Status.SUCCEEDED  # immediate mode ran it
    assert Job.objects.get(pk=fresh.pk).status == Job.Status.QUEUED


def test_an_unreachable_queue_fails_the_job_with_the_reason(
    django_capture_on_commit_callbacks, monkeypatch
):
    def down(job_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("erpkeeper.core.jobs.services.run_job_task", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = enqueue("core.test.sleep")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("could not reach the job queue: Error 111")


def test_reuse_active_returns_the_job_already_queued(target):
    first = enqueue("core.test.sleep", target=target)
    assert enqueue("core.test.sleep", target=target, reuse_active=True) == first
    assert enqueue("core.test.sleep", reuse_active=True) != first  # another target (none)


def test_a_live_local_worker_with_a_late_heartbeat_is_given_time():
    host = socket.gethostname()
    busy = _running(f"{host}:{os.getpid()}", heartbeat_age=120, started_age=0)
    hung = _running(f"{host}:{os.getpid()}", heartbeat_age=11 * 60, started_age=0)
    assert reap_stale_jobs() == [hung.pk]
    assert Job.objects.get(pk=busy.pk).status == Job.Status.RUNNING


def test_cancel_and_reaping_are_in_the_audit_trail(alice):
    from erpkeeper.core.audit import audit_context
    from erpkeeper.core.models import AuditEntry

    queued = enqueue("core.test.sleep")
    with audit_context(alice, source="console"):
        cancel(queued, actor=alice)
    lost = _running("elsewhere:4242", heartbeat_age=600)
    reap_stale_jobs()
    entries = AuditEntry.objects.filter(object_type="core.job", action="update")
    by_alice = entries.get(object_id=str(queued.pk), actor_name="alice")
    assert by_alice.after["status"] == "cancelled" and by_alice.source == "console"
    reaped = entries.get(object_id=str(lost.pk), actor_name="system:reaper")
    assert reaped.after["error"] == WORKER_LOST
