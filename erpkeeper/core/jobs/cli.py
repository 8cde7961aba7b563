"""``erpkeeper worker`` and ``erpkeeper job list|show|cancel|retry|wait|kinds|schedules``."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time

from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs import JobStateError, cancel, kinds, retry, run_job, worker
from erpkeeper.core.jobs.filters import JobFilterSet
from erpkeeper.core.models import Job
from erpkeeper.core.scheduler import schedules
from erpkeeper.lib.cli import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_USAGE, CommandError, emit, table
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.lib.units import duration_short

WAIT_POLL_SECONDS = 0.5


def register(sub) -> None:
    worker = sub.add_parser(
        "worker", help="run the job worker (and the scheduler) in the foreground"
    )
    worker.add_argument("--workers", type=_positive_int, default=1, help="worker threads (1)")
    worker.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not fire periodic schedules (for extra workers; run one scheduler per queue)",
    )
    worker.add_argument(
        "--shutdown-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM/Ctrl-C, wait this long for running jobs before marking them failed",
    )
    worker.set_defaults(handler=handle_worker)

    job = sub.add_parser("job", help="background job runs: list, show, cancel, retry, wait")
    actions = job.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    listing = _action(actions, "list", "recent jobs, newest first", handle_list)
    add_filter_arguments(listing, JobFilterSet)
    listing.add_argument("--limit", type=_positive_int, default=20, help="at most N rows (20)")

    for name, text, handler in (
        ("show", "a job's details and log", handle_show),
        ("cancel", "cancel a queued or running job", handle_cancel),
        ("retry", "run a finished job again as a new job", handle_retry),
    ):
        _action(actions, name, text, handler).add_argument("id", type=int)

    wait = _action(actions, "wait", "wait for a job to end; exit 0 if it succeeded", handle_wait)
    wait.add_argument("id", type=int)
    wait.add_argument("--timeout", type=float, metavar="SECONDS", help="give up after this long")

    _action(actions, "kinds", "the registered job kinds", handle_kinds)
    _action(actions, "schedules", "the periodic schedules and their next run", handle_schedules)


def _action(actions, name: str, text: str, handler):
    parser = actions.add_parser(name, help=text)
    # Accepted after the action too (``erpkeeper job list --json``), like the global flag.
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    parser.set_defaults(handler=handler)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# -- the worker, for `erpkeeper up` and other launchers ----------------------------------------


def run_worker(workers: int = 1, scheduler: bool = True, shutdown_timeout: float = 10.0) -> int:
    """Run the worker and scheduler in this process until SIGINT/SIGTERM (needs Django set up)."""
    return worker.run_worker(
        workers=workers, scheduler=scheduler, shutdown_timeout=shutdown_timeout
    )


def start_worker_process(workers: int = 1, scheduler: bool = True, **popen_kwargs):
    """Start ``erpkeeper worker`` as a child process; returns its ``subprocess.Popen``."""
    return worker.start_worker_process(workers=workers, scheduler=scheduler, **popen_kwargs)


def stop_worker_process(process, timeout: float = 15.0) -> int:
    """SIGTERM the worker, wait up to ``timeout`` for its clean stop, then SIGKILL."""
    return worker.stop_worker_process(process, timeout=timeout)


# -- handlers ---------------------------------------------------------------------------------


def handle_worker(args) -> int:
    return run_worker(
        workers=args.workers,
        scheduler=not args.no_scheduler,
        shutdown_timeout=args.shutdown_timeout,
    )


def handle_list(args) -> int:
    jobs = filter_from_arguments(JobFilterSet, Job.objects.select_related("target"), args)
    rows = [summary(job) for job in jobs[: args.limit]]
    columns = ["id", "kind", "target", "status", "progress", "requested_by", "created", "duration"]
    text_rows = [
        {**row, "kind": row["kind_label"], "progress": f"{row['progress']:.0f}%"} for row in rows
    ]
    emit(args, rows, table(text_rows, columns))
    return 0


def handle_show(args) -> int:
    job = _find(args.id)
    data = describe(job)
    emit(args, data, format_job(data))
    return 0


def handle_cancel(args) -> int:
    job = _find(args.id)
    try:
        job = cancel(job, actor=acting_user())
    except JobStateError as exc:
        raise CommandError(str(exc), EXIT_FAILED, "conflict") from None
    if job.status == job.Status.CANCELLED:
        text = f"job {job.pk} cancelled"
    else:
        text = f"job {job.pk} is running; asked it to stop at its next checkpoint"
    emit(args, describe(job, with_log=False), text)
    return 0


def handle_retry(args) -> int:
    job = _find(args.id)
    try:
        new_job = retry(job, actor=acting_user())
    except JobStateError as exc:
        raise CommandError(str(exc), EXIT_FAILED, "conflict") from None
    except ValueError as exc:  # the kind is no longer registered
        raise CommandError(str(exc), EXIT_USAGE, "invalid") from None
    emit(args, describe(new_job, with_log=False), f"queued job {new_job.pk} (retry of {job.pk})")
    return 0


def handle_wait(args) -> int:
    return follow(args, _find(args.id), args.timeout)


def follow(args, job, timeout: float | None = None) -> int:
    """Show the job's progress bar (on a terminal) until it ends; exit 0 if it succeeded."""
    deadline = None if timeout is None else time.monotonic() + timeout
    bar = tqdm(
        total=100,
        desc=_bar_text(job),
        unit="%",
        file=sys.stderr,
        disable=None,  # only on a terminal
        bar_format="{desc} |{bar}| {percentage:3.0f}%",
    )
    try:
        while not job.is_finished:
            if deadline is not None and time.monotonic() >= deadline:
                break
            _update_bar(bar, job)
            time.sleep(WAIT_POLL_SECONDS)
            job.refresh_from_db()
        _update_bar(bar, job)
    finally:
        bar.close()
    return _wait_outcome(args, job)


def run_here(args, job) -> int:
    """Run a just-queued job in this process (unless a worker claimed it first) and follow it.

    The CLI does the work itself so that it needs no running worker; the job row still records
    everything, exactly as when a worker runs it.
    """

    def work():
        try:
            run_job(job.pk)
        finally:
            connection.close()

    runner = threading.Thread(target=work, name=f"job-{job.pk}", daemon=True)
    runner.start()
    try:
        return follow(args, job)
    except KeyboardInterrupt:
        _cancel_quietly(job)
        runner.join()
        raise
    finally:
        runner.join()


def _cancel_quietly(job) -> None:
    with contextlib.suppress(JobStateError):  # it ended meanwhile
        cancel(job, actor=acting_user())


def _update_bar(bar, job) -> None:
    bar.n = round(job.progress or 0)
    bar.set_description_str(_bar_text(job), refresh=False)
    bar.refresh()


def _bar_text(job) -> str:
    text = f"job {job.pk} {job.kind} {job.status} {job.progress_message}"
    return f"{text[:50]:<50}"


def _wait_outcome(args, job) -> int:
    data = describe(job, with_log=False)
    if not job.is_finished:
        data["timed_out"] = True
        emit(args, data, f"job {job.pk} is still {job.status} (timed out waiting)")
        return EXIT_FAILED
    if job.status == job.Status.SUCCEEDED:
        emit(args, data, f"job {job.pk} succeeded in {data['duration']}")
        return 0
    reason = f": {job.error}" if job.error else ""
    emit(args, data, f"job {job.pk} {job.status}{reason}")
    return EXIT_FAILED


def handle_kinds(args) -> int:
    rows = [
        {"kind": k.name, "label": k.display_name, "needs_target": k.needs_target} for k in kinds()
    ]
    emit(args, rows, table(rows, ["kind", "label", "needs_target"]))
    return 0


def handle_schedules(args) -> int:
    rows = []
    for schedule in schedules():
        next_run = schedule.next_run()
        rows.append(
            {
                "name": schedule.name,
                "cron": schedule.cron,
                "runs": schedule.kind or "(inline)",
                "targets": schedule.targets if isinstance(schedule.targets, str) else "",
                "next_run": next_run.isoformat() if next_run else "",
                "description": schedule.description,
            }
        )
    emit(args, rows, table(rows, ["name", "cron", "runs", "targets", "next_run"]))
    return 0


# -- helpers ----------------------------------------------------------------------------------


def _find(job_id: int):
    try:
        return Job.objects.select_related("target").get(pk=job_id)
    except Job.DoesNotExist:
        raise CommandError(f"no job with id {job_id}", EXIT_NOT_FOUND, "not_found") from None


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _duration(job) -> str:
    if not job.started:
        return ""
    seconds = ((job.finished or timezone.now()) - job.started).total_seconds()
    return duration_short(seconds)


def summary(job) -> dict:
    return {
        "id": job.pk,
        "kind": job.kind,
        "kind_label": job.kind_label,
        "target": job.target.name if job.target else "",
        "status": job.status,
        "progress": round(job.progress or 0, 1),
        "requested_by": job.requested_by_name,
        "created": _iso(job.created),
        "duration": _duration(job),
    }


def describe(job, with_log: bool = True) -> dict:
    data = summary(job)
    data.update(
        progress_message=job.progress_message,
        params=job.shown_params,
        result=job.result,
        error=job.error,
        started=_iso(job.started),
        finished=_iso(job.finished),
        worker=job.worker,
        cancelled_by=job.cancelled_by_name,
    )
    if with_log:
        data["log"] = list(job.log or [])
    return data


def format_job(data: dict) -> str:
    lines = [
        f"job {data['id']}  {data['kind']}  {data['status']}  {data['progress']:.0f}%"
        + (f"  {data['progress_message']}" if data["progress_message"] else ""),
    ]
    for key in ("target", "requested_by", "created", "started", "finished", "duration", "worker"):
        if data.get(key):
            lines.append(f"  {key + ':':14}{data[key]}")
    if data.get("cancelled_by"):
        lines.append(f"  {'cancelled by:':14}{data['cancelled_by']}")
    for key in ("params", "result"):
        if data.get(key):
            text = json.dumps(data[key], ensure_ascii=False, sort_keys=True, default=str)
            lines.append(f"  {key + ':':14}{text}")
    if data.get("error"):
        lines.append(f"  {'error:':14}{data['error']}")
    lines.append("log:")
    lines.extend(f"  {line}" for line in data.get("log") or ["(empty)"])
    return "\n".join(lines)
