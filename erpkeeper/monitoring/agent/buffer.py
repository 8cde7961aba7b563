"""The agent's state on disk: batch numbers, and the batches waiting for the server.

Layout of the buffer directory::

    instance                this agent's random id, made once: the server keeps batch numbers
                            per agent instance, so two agents under one host name do not
                            silence each other
    seq                     the last batch number given out (a batch keeps its number forever;
                            the first is the clock in milliseconds, see ``_first_seq``)
    delivered               the last buffered batch number the server has answered for
    segments/<seq>.jsonl    buffered batches, one JSON body a line, oldest segment first
    rejected/<seq>.json     batches the server refused (4xx): kept for a person to look at

Segments are append-only and fsync'd after every batch, so a crash loses at most the batch being
written. A segment is closed after an hour or when it reaches its size, so that the oldest data
can be dropped a segment at a time: segments older than ``max_age`` and, when the buffer is over
``max_bytes``, the oldest ones, each with a warning. Batches numbered up to ``delivered`` are
skipped on replay, and a segment is deleted once all of it was delivered.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger("erpkeeper.agent")

SEGMENT_SECONDS = 3600
MAX_SEGMENT_BYTES = 1 << 20


class DiskBuffer:
    def __init__(self, directory: Path, max_bytes: int, max_age_seconds: float):
        self.directory = Path(directory)
        self.segments = self.directory / "segments"
        self.rejected = self.directory / "rejected"
        for folder in (self.segments, self.rejected):
            folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.max_age = max_age_seconds
        # Small enough that the size cap drops a fraction of the buffer, not all of it.
        self.segment_bytes = max(4096, min(MAX_SEGMENT_BYTES, max_bytes // 8))
        self.last_seq = self._read_number("seq") or _first_seq()
        self.delivered = self._read_number("delivered")
        self.instance = self._instance_id()

    # ------------------------------------------------------------------ batch numbers

    def next_seq(self) -> int:
        """A new batch number, on disk before the batch is sent (never reused after a crash)."""
        self.last_seq += 1
        self._write_number("seq", self.last_seq)
        return self.last_seq

    def next_seq_above(self, number: int) -> int:
        """A new batch number above ``number`` (the server's last from this agent)."""
        self.last_seq = max(self.last_seq, number)
        return self.next_seq()

    def mark_delivered(self, seq: int) -> None:
        self.delivered = seq
        self._write_number("delivered", seq)

    # ------------------------------------------------------------------ buffered batches

    def append(self, batch: dict) -> None:
        line = (json.dumps(batch, separators=(",", ":")) + "\n").encode()
        path = self._segment_for(len(line), batch["seq"])
        with open(path, "ab") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.enforce_limits()

    def pending(self) -> Iterator[dict]:
        """Buffered batches not yet delivered, oldest first."""
        for path in self._segment_files():
            for batch in self._batches(path):
                if batch["seq"] > self.delivered:
                    yield batch

    def has_pending(self) -> bool:
        return next(self.pending(), None) is not None

    def reject(self, batch: dict, reason: str) -> None:
        """Keep a refused batch aside; it counts as delivered (the server will never take it)."""
        path = self.rejected / f"{batch['seq']:020d}.json"
        path.write_text(json.dumps({"reason": reason, "batch": batch}))
        self.mark_delivered(batch["seq"])

    def remove_delivered(self) -> None:
        """Delete the segments whose batches were all delivered."""
        for path in self._segment_files():
            if all(batch["seq"] <= self.delivered for batch in self._batches(path)):
                path.unlink(missing_ok=True)

    def enforce_limits(self) -> None:
        """Drop whole segments, oldest first: those past ``max_age``, then down to ``max_bytes``."""
        files = self._segment_files()
        now = time.time()
        total = sum(_size(path) for path in files)
        for path in files[:-1]:  # never the segment being written
            too_old = now - _mtime(path) > self.max_age
            if not too_old and total <= self.max_bytes:
                break
            dropped = sum(1 for batch in self._batches(path) if batch["seq"] > self.delivered)
            total -= _size(path)
            path.unlink(missing_ok=True)
            if dropped:
                logger.warning(
                    "buffer %s: dropped the %d oldest undelivered batch(es) in %s",
                    "older than the age limit" if too_old else "over its size limit",
                    dropped,
                    path.name,
                )

    # ------------------------------------------------------------------ files

    def _segment_files(self) -> list[Path]:
        return sorted(self.segments.glob("*.jsonl"))

    def _segment_for(self, size: int, seq: int) -> Path:
        files = self._segment_files()
        if files:
            newest = files[-1]
            young = time.time() - int(newest.stem.split("-")[1]) < SEGMENT_SECONDS
            if young and _size(newest) + size <= self.segment_bytes:
                return newest
        # Named by first batch number (sorts oldest first), then creation time (for the age).
        return self.segments / f"{seq:020d}-{int(time.time())}.jsonl"

    def _batches(self, path: Path) -> Iterator[dict]:
        with contextlib.suppress(FileNotFoundError), open(path, "rb") as handle:
            for line in handle:
                batch = _parse(line, path)
                if batch is not None:
                    yield batch

    def _instance_id(self) -> str:
        path = self.directory / "instance"
        try:
            found = path.read_text().strip()
        except FileNotFoundError:
            found = ""
        if found:
            return found
        made = secrets.token_hex(16)
        self._write_text("instance", made)
        return made

    def _read_number(self, name: str) -> int:
        try:
            return int((self.directory / name).read_text().strip() or 0)
        except FileNotFoundError:
            return 0

    def _write_number(self, name: str, value: int) -> None:
        self._write_text(name, str(value))

    def _write_text(self, name: str, value: str) -> None:
        # Written aside then renamed: a crash leaves the old value or the new one, never half.
        path = self.directory / name
        temporary = path.with_suffix(".tmp")
        with open(temporary, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def _first_seq() -> int:
    """Where a new buffer directory starts numbering: the time in milliseconds.

    The server ignores batches numbered at or below the last it took. Starting from the clock,
    an agent whose buffer directory was lost (reinstalled, wiped) still numbers above its
    predecessor's batches (it would need over 1,000 batches a second to catch up).
    """
    return int(time.time() * 1000)


def _parse(line: bytes, path: Path) -> dict | None:
    try:
        batch = json.loads(line)
        int(batch["seq"])
        return batch
    except (ValueError, KeyError, TypeError):
        # A line cut short by a crash or a full disk: the rest of the segment is still good.
        logger.warning("buffer: skipped an unreadable line in %s", path.name)
        return None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()
