"""Worker threads that move bytes between child processes (pg_dump, psql) or connections and the
caller's streams, supervised from the calling thread.

Only the calling thread calls ``progress``, so a callback that raises to cancel does it where the
caller catches it. The first failure or a cancel stops everything: child processes are killed
and running statements cancelled, which ends the workers (a killed pg_dump gives EOF, a killed
psql a broken pipe); they are joined before the error is raised.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from typing import BinaryIO

from erpkeeper.backups.engines.base import EngineError, Progress
from erpkeeper.backups.engines.pg.libpq import error_line
from erpkeeper.lib.i18n import gettext as _

POLL_SECONDS = 0.1
STDERR_TAIL = 16384


class Stopped(Exception):
    """A worker asked to start a child process after the supervisor stopped."""


class Supervisor:
    def __init__(self, progress: Progress, message: str, done_bytes: int = 0):
        self.message = message
        self.done_bytes = done_bytes
        self._progress = progress
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._processes: list[subprocess.Popen] = []
        self._interrupts: list[Callable[[], object]] = []
        self._error: BaseException | None = None
        self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.done_bytes += count

    def start(self, target: Callable, *args, **kwargs) -> None:
        thread = threading.Thread(
            target=self._guarded, args=(target, *args), kwargs=kwargs, daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def spawn(self, argv: list[str], **popen) -> subprocess.Popen:
        with self._lock:
            if self._stopping:
                raise Stopped
            process = subprocess.Popen(argv, **popen)
            self._processes.append(process)
        return process

    def on_stop(self, interrupt: Callable[[], object]) -> None:
        """Call ``interrupt`` (e.g. a connection's cancel) when the work stops early."""
        with self._lock:
            self._interrupts.append(interrupt)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            processes, interrupts = list(self._processes), list(self._interrupts)
        for process in processes:
            if process.poll() is None:
                process.kill()
        for interrupt in interrupts:
            with contextlib.suppress(Exception):
                interrupt()

    def wait(self) -> None:
        """Report progress until every worker ended; raise the first failure, or the cancel."""
        try:
            while self._error is None and (alive := self._first_alive()) is not None:
                alive.join(POLL_SECONDS)
                self._progress(self.done_bytes, self.message)
        except BaseException:
            self.stop()
            self._join()
            raise
        self._join()
        if self._error is not None:
            raise self._error
        self._progress(self.done_bytes, self.message)

    def _guarded(self, target: Callable, *args, **kwargs) -> None:
        try:
            target(*args, **kwargs)
        except BaseException as exc:
            with self._lock:
                # After a stop, workers fail because of it: the cause is what matters.
                if not self._stopping:
                    self._error = exc
            self.stop()

    def _first_alive(self) -> threading.Thread | None:
        return next((thread for thread in self._threads if thread.is_alive()), None)

    def _join(self) -> None:
        for thread in self._threads:
            thread.join()
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()


def take(pending: deque):
    """The next work item, None when none is left (several threads take from ``pending``)."""
    try:
        return pending.popleft()
    except IndexError:
        return None


def raise_for_exit(
    process: subprocess.Popen, stderr: BinaryIO, program: str, redact: Callable[[str], str]
) -> None:
    """EngineError with the program's own error line when it failed."""
    if process.wait() == 0:
        return
    stderr.seek(max(0, stderr.seek(0, os.SEEK_END) - STDERR_TAIL))
    text = stderr.read().decode("utf-8", "replace")
    reason = error_line(text) or _("exit status %(code)d") % {"code": process.returncode}
    raise EngineError(
        _("%(program)s failed: %(reason)s") % {"program": program, "reason": redact(reason)}
    )
