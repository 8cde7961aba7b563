"""The line protocol between ``build_demo`` (parent) and the builder (child process).

The child prints one JSON object per line on stdout, each prefixed with ``MARK`` so that any
other output (a library printing something) cannot be mistaken for a message.
"""

from __future__ import annotations

import json
import sys
import time

MARK = "@@ek-demo "


def send(event: str, **data) -> None:
    sys.stdout.write(MARK + json.dumps({"event": event, **data}, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def parse(line: str) -> dict | None:
    if not line.startswith(MARK):
        return None
    try:
        return json.loads(line[len(MARK) :])
    except ValueError:
        return None


class Progress:
    """Weighted stages mapped onto one 0..TOTAL bar; emits at most every ``interval`` s."""

    TOTAL = 1000

    def __init__(self, stages: dict[str, float], interval: float = 0.25, emit=None):
        total_weight = sum(stages.values())
        self.starts: dict[str, float] = {}
        self.spans: dict[str, float] = {}
        position = 0.0
        for name, weight in stages.items():
            self.starts[name] = position
            self.spans[name] = self.TOTAL * weight / total_weight
            position += self.spans[name]
        self.interval = interval
        self.last_sent = 0.0
        self.last_done = -1
        self.emit = emit or (
            lambda done, total, message: send("progress", done=done, total=total, message=message)
        )

    def update(self, stage: str, fraction: float, message: str, force: bool = False) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        done = int(self.starts[stage] + self.spans[stage] * fraction)
        now = time.monotonic()
        if not force and (now - self.last_sent < self.interval or done == self.last_done):
            return
        self.last_sent = now
        self.last_done = done
        self.emit(done, self.TOTAL, message)

    def stage(self, stage: str, message: str) -> None:
        self.update(stage, 0.0, message, force=True)

    def finish(self, message: str = "done") -> None:
        self.emit(self.TOTAL, self.TOTAL, message)
