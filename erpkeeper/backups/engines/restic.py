"""restic as a repository engine: content-defined chunks, deduplicated across backups and
targets, encrypted, with crash-safe pruning (``docs/backups.md``, "Deduplicated repositories").

Pure Python, no Django: ``Restic(url, password, env)`` runs Debian's ``restic`` program. The
repository password and the S3 credentials go to the child's environment only (never a
command line, which any user of the host can read in /proc, and never a log line).

Each restic process is killed with its parent (PR_SET_PDEATHSIG): a killed ERPKeeper worker
must not leave a ``restic backup --stdin`` that, reading end of file, would record the cut
stream as a snapshot. Its lock stays behind and is removed by ``unlock`` (stale locks only).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from erpkeeper.backups.engines.base import EngineError, ToolMissing

PR_SET_PDEATHSIG = 1
# restic says this (exit code 1) when no repository exists at the location yet.
NO_REPOSITORY = ("Is there a repository at the following location?", "does not exist")


class ResticError(EngineError):
    """restic failed; the message is its own last error line (it never holds the password)."""


@dataclass
class SnapshotResult:
    snapshot_id: str
    processed_bytes: int
    added_bytes: int
    sha256: str
    peak_rss_kb: int
    details: dict = field(default_factory=dict)


def _die_with_parent() -> None:  # pragma: no cover (runs in the child between fork and exec)
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _last_line(text: str) -> str:
    """restic's error, on one line: its ``Fatal:`` line and what follows (a hint, a path)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = [index for index, line in enumerate(lines) if line.startswith("Fatal:")]
    lines = lines[fatal[-1] :] if fatal else lines[-2:]
    return " ".join(lines)[:500]


def _wait_rusage(proc: subprocess.Popen) -> int:
    """Wait for ``proc``; its ru_maxrss in KiB. Not restic's own peak: it counts the pages
    the child shared with this (large) Python process between fork and exec; the benchmark
    reads VmHWM from /proc instead."""
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:  # already reaped
        proc.wait()
        return 0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss


class Restic:
    """One restic repository at ``url`` (a path, or ``s3:host/bucket/prefix``)."""

    def __init__(self, url: str, password: str, env: dict[str, str] | None = None):
        self.url = url
        self._password = password
        self._extra_env = dict(env or {})

    @staticmethod
    def check_tools() -> None:
        if shutil.which("restic") is None:
            raise ToolMissing(
                "restic is not installed: install the Debian package restic "
                "(apt-get install restic) to use restic repositories"
            )

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RESTIC_", "AWS_"))
        }
        env.update(self._extra_env)
        env["RESTIC_REPOSITORY"] = self.url
        env["RESTIC_PASSWORD"] = self._password
        env.setdefault("RESTIC_CACHE_DIR", os.path.join(os.path.expanduser("~"), ".cache/restic"))
        return env

    def _popen(self, args: list[str], **kwargs) -> subprocess.Popen:
        self.check_tools()
        return subprocess.Popen(
            ["restic", *args],
            env=self.env(),
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
            **kwargs,
        )

    def run(self, *args: str, timeout: float | None = None) -> str:
        """Run restic to the end; its stdout, or ResticError with its last error line."""
        proc = self._popen(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            out, err = proc.communicate(timeout=timeout)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            detail = _last_line(err.decode(errors="replace")) or proc.returncode
            raise ResticError(f"restic {args[0]} failed: {detail}")
        return out.decode(errors="replace")

    def run_json(self, *args: str, timeout: float | None = None):
        out = self.run(*args, "--json", timeout=timeout)
        return json.loads(out) if out.strip() else None

    def exists(self) -> bool:
        if self.url.startswith("/"):  # a local repository: no restic run (it costs a key
            return os.path.exists(os.path.join(self.url, "config"))  # derivation, ~0.5 s)
        try:
            self.run("cat", "config")
        except ResticError as exc:
            if any(marker in str(exc) for marker in NO_REPOSITORY):
                return False
            raise
        return True

    def ensure(self) -> bool:
        """Create the repository when there is none; True when it was created now."""
        if self.exists():
            return False
        self.run("init")
        return True

    def unlock(self) -> None:
        """Remove stale locks (of killed restic processes); a live process's lock stays."""
        self.run("unlock")

    def backup_stdin(self, filename: str, tags: list[str], host: str) -> StdinSnapshot:
        args = ["backup", "--stdin", "--stdin-filename", filename, "--host", host, "--json"]
        for tag in tags:
            args += ["--tag", tag]
        proc = self._popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        return StdinSnapshot(proc, filename)

    def dump(self, snapshot_id: str, filename: str) -> DumpReader:
        proc = self._popen(
            ["dump", snapshot_id, filename], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        return DumpReader(proc, filename)

    def snapshots(self, *tags: str) -> list[dict]:
        args = ["snapshots"]
        for tag in tags:
            args += ["--tag", tag]
        return self.run_json(*args) or []

    def forget(self, snapshot_ids: list[str]) -> None:
        if snapshot_ids:
            self.run("forget", *snapshot_ids)

    def forget_by_policy(self, tag: str, keep: dict[str, int]) -> list[dict]:
        """``forget`` with the keep rules for the snapshots tagged ``tag``, one group per host
        and file name (each artifact of a backup its own group); restic's JSON groups."""
        args = ["forget", "--tag", tag, "--group-by", "host,paths"]
        for rule, count in keep.items():
            if count:
                args += [f"--keep-{rule}", str(count)]
        return self.run_json(*args) or []

    def prune(self) -> None:
        self.run("prune")

    def check(self, read_data_percent: int | None = None) -> str:
        """``restic check``: the structure; with a share, that share of the packs read."""
        args = ["check"]
        if read_data_percent is not None and read_data_percent >= 100:
            args.append("--read-data")
        elif read_data_percent:
            args.append(f"--read-data-subset={read_data_percent}%")
        proc = self._popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _err = proc.communicate()
        text = out.decode(errors="replace")
        if proc.returncode != 0:
            raise ResticError(_check_failure(text))
        return text


def _check_failure(text: str) -> str:
    """The lines of ``restic check`` output that name what is wrong, on one line."""
    wanted = [
        line.strip()
        for line in text.splitlines()
        if any(
            word in line.lower()
            for word in ("error", "does not match", "fatal", "damaged", "invalid")
        )
    ]
    return "restic check failed: " + ("; ".join(wanted[:5]) or _last_line(text))[:900]


class StdinSnapshot:
    """A writer whose bytes become one file of a new restic snapshot (``backup --stdin``).

    ``close()`` ends the stream and waits for the snapshot; called while an exception is
    propagating (an engine's ``finally``), it kills restic instead, so a cut stream never
    becomes a snapshot."""

    def __init__(self, proc: subprocess.Popen, filename: str):
        self.proc = proc
        self.filename = filename
        self.sha256 = hashlib.sha256()
        self.written = 0
        self.status: dict = {}
        self.summary: dict | None = None
        self._stderr: list[bytes] = []
        self.result: SnapshotResult | None = None
        # stdout and stderr drained by threads: a full pipe would stop restic, then us.
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True),
            threading.Thread(target=self._read_stderr, daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _read_stdout(self) -> None:
        for line in self.proc.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if message.get("message_type") == "summary":
                self.summary = message
            elif message.get("message_type") == "status":
                self.status = message

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line)
            del self._stderr[:-20]

    def write(self, data: bytes) -> int:
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            raise ResticError(self._failure("restic backup stopped reading")) from None
        self.sha256.update(data)
        self.written += len(data)
        return len(data)

    def close(self) -> SnapshotResult | None:
        if self.result is not None or self.proc.returncode is not None:
            return self.result
        if sys.exc_info()[0] is not None:
            self.abort()
            return None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        peak = _wait_rusage(self.proc)
        for thread in self._threads:
            thread.join()
        if self.proc.returncode != 0 or not self.summary:
            raise ResticError(self._failure("restic backup failed"))
        self.result = SnapshotResult(
            snapshot_id=self.summary["snapshot_id"],
            processed_bytes=int(self.summary.get("total_bytes_processed") or self.written),
            added_bytes=int(self.summary.get("data_added") or 0),
            sha256=self.sha256.hexdigest(),
            peak_rss_kb=peak,
        )
        return self.result

    def abort(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
            _wait_rusage(self.proc)
        with contextlib.suppress(OSError):
            self.proc.stdin.close()

    def _failure(self, what: str) -> str:
        if self.proc.returncode is None:
            self.proc.kill()
            _wait_rusage(self.proc)
        for thread in self._threads:
            thread.join(timeout=5)
        detail = _last_line(b"".join(self._stderr).decode(errors="replace"))
        return f"{what} ({self.filename}): {detail or self.proc.returncode}"


class DumpReader:
    """One file of a snapshot, read as restic decrypts it (``restic dump``)."""

    def __init__(self, proc: subprocess.Popen, filename: str):
        self.proc = proc
        self.filename = filename
        self._stderr: list[bytes] = []
        self._thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._thread.start()
        self._eof = False

    def _read_stderr(self) -> None:
        for line in self.proc.stderr:
            self._stderr.append(line)
            del self._stderr[:-20]

    def read(self, size: int = -1) -> bytes:
        data = self.proc.stdout.read(size)
        if not data or (size is None or size < 0):
            self._eof = True
            self._finish()
        return data

    def _finish(self) -> None:
        if self.proc.returncode is not None:
            return
        self.proc.wait()
        self._thread.join()
        if self.proc.returncode != 0:
            detail = _last_line(b"".join(self._stderr).decode(errors="replace"))
            raise ResticError(
                f"restic dump of {self.filename} failed: {detail or self.proc.returncode}"
            )

    def close(self) -> None:
        if self.proc.returncode is None and not self._eof:
            self.proc.kill()  # the reader stopped early (an error downstream)
            self.proc.wait()
        self.proc.stdout.close()
