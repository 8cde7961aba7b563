"""The job worker: Huey's consumer with ERPKeeper's scheduler tick and a clean shutdown.

``run_worker()`` runs in the foreground (``erpkeeper worker``); ``start_worker_process()`` starts
it as a child process for ``erpkeeper up`` and ``stop_worker_process()`` stops it.

Workers are threads: jobs mostly wait on databases and networks, and threads share this
process's pid, which is what the reaper checks after a crash.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys

from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer, Scheduler
from huey.contrib.djhuey import HUEY

from erpkeeper.core import scheduler as schedules  # noqa: F401  (registers the reaper)
from erpkeeper.core.jobs.context import worker_stopping
from erpkeeper.core.jobs.liveness import Beater, Part, beat, beat_seconds
from erpkeeper.core.jobs.reaper import fail_jobs_of_this_process, reap_stale_jobs
from erpkeeper.core.jobs.registry import kinds
from erpkeeper.core.jobs.services import requeue_lost_jobs
from erpkeeper.core.scheduler import MinuteTicker
from erpkeeper.lib.plugins import collect, load

logger = logging.getLogger("erpkeeper.worker")

STOPPED_WHILE_RUNNING = "the worker was stopped while running this job; retry it"
DEFAULT_SHUTDOWN_TIMEOUT = 10.0  # `erpkeeper up` waits 15 s before it kills the worker


class JobScheduler(Scheduler):
    """Huey's scheduler thread, plus the minute tick that fires ERPKeeper's schedules."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticker = MinuteTicker()
        self.beat = Beater(Part.SCHEDULER)

    def loop(self, now=None):
        if self.periodic:
            self.beat()  # /healthz tells a dead scheduler from a quiet one by this
            self.ticker.poll()
        super().loop(now)


class JobConsumer(Consumer):
    """Stops gracefully on SIGINT, SIGTERM and SIGHUP alike; a second signal stops at once."""

    scheduler_class = JobScheduler

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signal_actions = {signal.SIGINT: (False, True), signal.SIGTERM: (False, True)}
        if hasattr(signal, "SIGHUP"):
            self._signal_actions[signal.SIGHUP] = (False, True)

    def start(self):
        super().start()
        beat(Part.WORKER)

    def check_worker_health(self):
        # Huey's main loop calls this every 10 s and replaces dead worker threads here: a
        # heartbeat written after it says this worker takes jobs (read by /healthz).
        healthy = super().check_worker_health()
        beat(Part.WORKER)
        return healthy

    def stop(self, graceful=False):
        # Running handlers notice this at their next progress()/check_cancelled() and end.
        worker_stopping.set()
        super().stop(graceful=graceful)


def run_worker(
    workers: int = 1,
    scheduler: bool = True,
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
    max_delay: float = 1.0,
) -> int:
    """Run the worker (and the scheduler unless ``scheduler=False``) until a signal stops it.

    Needs Django set up. Returns 0 after a clean stop; jobs still running when the shutdown
    timeout passes are marked failed so they never look "running" forever.
    """
    autodiscover_modules("tasks")
    worker_stopping.clear()
    reaped = reap_stale_jobs()
    if reaped:
        logger.warning("worker start: %d job(s) of a stopped worker marked failed", len(reaped))
    requeued = requeue_lost_jobs()
    if requeued:
        logger.warning("worker start: job(s) %s had lost their queue message; sent again", requeued)
    consumer = JobConsumer(
        HUEY,
        workers=workers,
        periodic=scheduler,
        worker_type="thread",
        max_delay=max_delay,
        shutdown_timeout=shutdown_timeout,
        health_check_interval=beat_seconds(),  # also the worker's heartbeat (liveness.py)
    )
    logger.info(
        "worker started: pid %s, %d thread(s), scheduler %s, queue %s, %d job kinds",
        os.getpid(),
        workers,
        "on" if scheduler else "off",
        type(HUEY).__name__,
        len(kinds()),
    )
    loops = start_background_loops() if scheduler else []
    try:
        consumer.run()
    finally:
        stop_background_loops(loops)
        left = fail_jobs_of_this_process(STOPPED_WHILE_RUNNING)
        if left:
            logger.warning("worker stop: job(s) %s were still running, marked failed", left)
        logger.info("worker stopped")
    return 0


def start_background_loops() -> list:
    """Start the work that must run more often than the scheduler's once-a-minute tick, in the
    worker that runs the scheduler: each app's ``loops`` ("module:function(stop_event) ->
    Thread | None", see erpkeeper.lib.plugins)."""
    threads = []
    for spec in collect("loops"):
        thread = load(spec)(worker_stopping)
        if thread is not None:
            threads.append(thread)
    return threads


def stop_background_loops(threads: list) -> None:
    worker_stopping.set()
    for thread in threads:
        thread.join(timeout=5)


def worker_command(workers: int = 1, scheduler: bool = True) -> list[str]:
    command = [sys.executable, "-m", "erpkeeper", "worker", "--workers", str(workers)]
    if not scheduler:
        command.append("--no-scheduler")
    return command


def start_worker_process(
    workers: int = 1, scheduler: bool = True, env: dict | None = None, **popen_kwargs
) -> subprocess.Popen:
    """Start ``erpkeeper worker`` as a child process (same settings, same ERPKEEPER_* env).

    A child process, not a thread: a job that crashes or hangs never takes the console down.
    Stop it with ``stop_worker_process(process)``.
    """
    popen_kwargs.setdefault("start_new_session", True)
    return subprocess.Popen(
        worker_command(workers, scheduler), env=env if env is not None else None, **popen_kwargs
    )


def stop_worker_process(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """SIGTERM, wait up to ``timeout`` for the graceful stop, then SIGKILL. Returns exit code."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
