"""What a job handler sees while it runs: the job, its target and parameters, and the means to
report progress, write log lines and notice a cancellation.

Database writes are throttled: a handler may call ``progress()`` in a tight loop.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from django.utils import timezone

from erpkeeper.core.models import Job

PROGRESS_WRITE_SECONDS = 0.5  # at most one write per interval, unless the whole percent changes
CANCEL_POLL_SECONDS = 0.5
LOG_MAX_LINES = 1000
LOG_HEAD_LINES = 100  # the first lines are kept too: they say how the run started
LOG_LINE_MAX_CHARS = 2000


class JobError(Exception):
    """An expected failure: the job fails with this one-line message and no traceback."""


class JobCancelled(Exception):  # noqa: N818  (a control-flow signal, not an error)
    """Raised inside a handler when someone cancelled its job."""


class WorkerStopping(Exception):  # noqa: N818
    """Raised inside a handler when its worker is shutting down (SIGTERM / Ctrl-C)."""


# Set by the worker when it begins a graceful shutdown; handlers notice it at their next
# progress() or check_cancelled() call and stop, so the worker can exit in time.
worker_stopping = threading.Event()


def timestamped(line: str) -> str:
    stamp = timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(line).rstrip()
    if len(text) > LOG_LINE_MAX_CHARS:
        text = text[:LOG_LINE_MAX_CHARS] + " …"
    return f"{stamp} {text}"


class JobLog:
    """The log lines of one run, capped: the first lines, a marker, and the most recent lines."""

    def __init__(self, existing: list[str] | None = None):
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=LOG_MAX_LINES - LOG_HEAD_LINES - 1)
        self.dropped = 0
        for line in existing or []:
            self._add(line)

    def _add(self, line: str) -> None:
        if len(self.head) < LOG_HEAD_LINES:
            self.head.append(line)
            return
        if len(self.tail) == self.tail.maxlen:
            self.dropped += 1
        self.tail.append(line)

    def append(self, line: str) -> None:
        for part in str(line).splitlines() or [""]:
            self._add(timestamped(part))

    def lines(self) -> list[str]:
        marker = [f"[… {self.dropped} lines omitted …]"] if self.dropped else []
        return [*self.head, *marker, *self.tail]


class JobContext:
    """Passed to a handler as ``ctx``. Fill ``ctx.result`` with what the job found or did."""

    def __init__(self, job: Job):
        self.job = job
        self.target = job.target
        self.params: dict = dict(job.params or {})
        self.result: dict = {}
        self._log = JobLog(job.log)
        self._percent = float(job.progress or 0.0)
        self._message = job.progress_message
        self._written = (int(self._percent), self._message)
        self._last_write = 0.0
        self._dirty = False
        self._last_cancel_poll = 0.0
        self._lock = threading.Lock()

    # -- reporting -------------------------------------------------------------------------

    def progress(self, percent: float, message: str = "") -> None:
        """Report ``percent`` (0-100) done; also where the job notices a cancellation."""
        with self._lock:
            self._percent = max(0.0, min(100.0, float(percent)))
            if message:
                self._message = str(message)[:255]
            self._dirty = True
            whole_percent_changed = int(self._percent) != self._written[0]
            self._flush(force=whole_percent_changed)
        self.check_cancelled()

    def log(self, line: str) -> None:
        """Append a timestamped line to the job's log (shown live in the console)."""
        with self._lock:
            self._log.append(line)
            self._dirty = True
            self._flush()

    def check_cancelled(self) -> None:
        """Raise ``JobCancelled`` if someone cancelled this job (polls the row at most 2x/s)."""
        if worker_stopping.is_set():
            raise WorkerStopping()
        now = time.monotonic()
        if now - self._last_cancel_poll < CANCEL_POLL_SECONDS:
            return
        self._last_cancel_poll = now
        requested = (
            Job.objects.filter(pk=self.job.pk).values_list("cancel_requested", flat=True).first()
        )
        if requested is not None:
            raise JobCancelled()

    # -- persistence -----------------------------------------------------------------------

    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self._dirty or (not force and now - self._last_write < PROGRESS_WRITE_SECONDS):
            return
        # Only while running: once the reaper has given up on this run, its verdict stands.
        Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
            progress=self._percent, progress_message=self._message, log=self._log.lines()
        )
        self._written = (int(self._percent), self._message)
        self._last_write = now
        self._dirty = False

    def flush(self) -> None:
        """Write pending progress and log lines now (the runner calls it at the end)."""
        with self._lock:
            self._flush(force=True)

    def final_fields(self) -> dict:
        """Progress, message and log as they should be stored when the run ends."""
        with self._lock:
            return {
                "progress": self._percent,
                "progress_message": self._message,
                "log": self._log.lines(),
            }

    def append_log(self, line: str) -> None:
        """Add a line without writing it yet (the runner's final update stores it)."""
        with self._lock:
            self._log.append(line)
