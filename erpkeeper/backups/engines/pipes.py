"""Reading a dump tool's output from its pipe in big blocks, with few wake-ups.

pg_dump and mariadb-dump write through stdio, 4 KiB at a time. A reader that takes whatever is
in the pipe as soon as anything is wakes up, and wakes the writer, for every few KiB: on the
large demo's PostgreSQL dump that was 45,000 reads per 300 MB stream and a third of the engine's
own CPU, on a machine where the dump, the database server and the compression share the cores.
A short pause after a short read lets a widened pipe fill, so reads come in hundreds of KiB.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from typing import BinaryIO

BLOCK = 1 << 20
# A read shorter than this means the writer is slower than the reader: pause before the next.
SHORT_READ = BLOCK // 8
# At the fastest single pg_dump stream measured (about 200 MB/s) a pause fills 400 KB of the
# 1 MiB pipe: the writer never has to wait for the reader because of it.
PAUSE_SECONDS = 0.002


def widen_pipe(pipe: BinaryIO, size: int = BLOCK) -> int:
    """Ask for a pipe of ``size`` bytes (Linux only); its capacity, or 0 when not known.

    Fails quietly over the user's pipe quota: the pipe keeps its default size."""
    if not hasattr(fcntl, "F_SETPIPE_SZ"):
        return 0
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, size)
    try:
        return fcntl.fcntl(pipe.fileno(), fcntl.F_GETPIPE_SZ)
    except OSError:
        return 0


def read_blocks(pipe: BinaryIO, size: int = BLOCK) -> Iterator[bytes]:
    """Everything the pipe delivers until end of file, in blocks of ``size`` bytes (the last
    may be shorter). Reads the file descriptor directly: nothing may have been read through
    ``pipe``'s own buffer before. Pauses only when the pipe holds a whole block, so a slow or
    a narrow pipe never makes the writer wait."""
    pause = PAUSE_SECONDS if widen_pipe(pipe, size) >= size else 0.0
    fd = pipe.fileno()
    buffer = bytearray(size)
    view = memoryview(buffer)
    have = 0
    try:
        while count := os.readv(fd, [view[have:]]):
            have += count
            if have == size:
                yield bytes(buffer)
                have = 0
            elif pause and count < SHORT_READ:
                time.sleep(pause)
        if have:
            yield bytes(view[:have])
    finally:
        view.release()
