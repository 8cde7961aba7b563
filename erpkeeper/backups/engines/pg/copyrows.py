"""Rows per table, counted in a plain-format pg_dump data stream while it passes.

Each table's data is ``COPY schema.table (cols) FROM stdin;``, one line per row (COPY escapes
newlines inside values), then a line ``\\.``. Blocks are scanned with libc's memmem (through ctypes,
which lets go of the GIL, so the streams of a parallel dump count at the same time) and
bytes.count; across a block boundary only the head of the unfinished line is kept, so a huge
row costs no memory.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable

from erpkeeper.backups.engines.pg.script import IDENTIFIER, unquote

# Enough for "COPY " and two quoted identifiers of 63 bytes with every quote doubled.
HEAD_LIMIT = 512
COPY_HEADER = re.compile(rb"COPY (" + IDENTIFIER + rb")\.(" + IDENTIFIER + rb")")
END_OF_DATA = b"\\.\n"
LINE_END_OF_DATA = b"\n" + END_OF_DATA


def python_find(buf: bytes, needle: bytes, start: int, end: int) -> int:
    return buf.find(needle, start, end)


def libc_find() -> Callable[[bytes, bytes, int, int], int] | None:
    """bytes.find through libc's memmem, or None where there is no memmem (Windows).

    Why: bytes.find scans a COPY stream at about 2 GB/s holding the GIL, and with its needle of
    common bytes it was the larger part of counting rows, a tenth of a PostgreSQL backup's CPU;
    glibc's memmem scans at about 7 GB/s and ctypes releases the GIL for the call."""
    try:
        memmem = ctypes.CDLL(None).memmem
    except (AttributeError, OSError, TypeError):
        return None
    memmem.restype = ctypes.c_void_p
    memmem.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]

    def find(buf: bytes, needle: bytes, start: int, end: int) -> int:
        end = min(end, len(buf))
        if end - start < len(needle):
            return -1
        # c_char_p points into the bytes object without copying it; buf outlives the call.
        base = ctypes.cast(ctypes.c_char_p(buf), ctypes.c_void_p).value
        found = memmem(base + start, end - start, needle, len(needle))
        return -1 if found is None else found - base

    return find


find_in = libc_find() or python_find


def copy_table(header: bytes) -> str:
    match = COPY_HEADER.match(header)
    if match is None:
        return header[5:].split(b" ", 1)[0].decode("utf-8", "replace")
    return f"{unquote(match.group(1))}.{unquote(match.group(2))}"


class CopyRowCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._table: str | None = None  # whose rows are passing; None between COPY blocks
        self._rows = 0
        self._head = b""  # the start of the line the previous block ended in
        self._in_line = False

    def feed(self, block: bytes) -> None:
        start = 0
        if self._in_line:
            newline = block.find(b"\n")
            if newline < 0:
                self._keep_head(block, len(block))
                return
            self._keep_head(block, newline)
            line = self._head + b"\n"
            self._head, self._in_line = b"", False
            self._scan(line, 0, len(line))
            start = newline + 1
        end = max(block.rfind(b"\n", start) + 1, start)
        self._scan(block, start, end)
        if end < len(block):
            self._head, self._in_line = block[end : end + HEAD_LIMIT], True

    def _keep_head(self, block: bytes, end: int) -> None:
        room = HEAD_LIMIT - len(self._head)
        if room > 0:
            self._head += block[: min(end, room)]

    def _scan(self, buf: bytes, pos: int, end: int) -> None:
        """Count the complete lines buf[pos:end]."""
        while pos < end:
            if self._table is None:
                if not buf.startswith(b"COPY ", pos):
                    found = buf.find(b"\nCOPY ", pos, end)
                    if found < 0:
                        return
                    pos = found + 1
                newline = buf.find(b"\n", pos, end)
                self._table, self._rows = copy_table(buf[pos:newline]), 0
                pos = newline + 1
                continue
            if buf.startswith(END_OF_DATA, pos):
                terminator = pos
            else:
                found = find_in(buf, LINE_END_OF_DATA, pos, end)
                if found < 0:
                    self._rows += buf.count(b"\n", pos, end)
                    return
                terminator = found + 1
            self.counts[self._table] = self._rows + buf.count(b"\n", pos, terminator)
            self._table = None
            pos = terminator + len(END_OF_DATA)
