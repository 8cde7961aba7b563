"""Progress of long work on stderr: a live bar on a terminal, a few plain lines in a log.

tqdm redraws its bar by carriage returns; written to a file or a pipe (``make up > log``),
every redraw became another copy of the line. Off a terminal, a line is printed only when the
work moves on by ``LOG_STEP`` percent or its stage changes.
"""

from __future__ import annotations

import sys

from tqdm import tqdm

LOG_STEP = 10  # percent


class Progress:
    def __init__(self, total: int = 100, stream=None, bar_format: str | None = None):
        self.stream = stream or sys.stderr
        self.total = total
        self.on_terminal = self.stream.isatty()
        self.bar = None
        if self.on_terminal:
            self.bar = tqdm(
                total=total, file=self.stream, dynamic_ncols=True, bar_format=bar_format
            )
        self._logged_percent = -LOG_STEP
        self._logged_stage = None

    def update(self, done: int, total: int | None = None, message: str = "") -> None:
        total = total or self.total
        percent = round(100 * done / total) if total else 0
        if self.bar is not None:
            self.bar.total = total
            self.bar.n = done
            self.bar.set_description_str(message[:48], refresh=False)
            self.bar.refresh()
            return
        self._log(percent, message)

    def _log(self, percent: int, message: str) -> None:
        stage = message.split(":")[0]
        if percent - self._logged_percent < LOG_STEP and stage == self._logged_stage:
            return
        self._logged_percent, self._logged_stage = percent, stage
        print(f"{percent:3d}% {message}".rstrip(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
