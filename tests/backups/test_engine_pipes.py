"""Reading a dump tool's pipe: every byte, in order, in whole blocks."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from erpkeeper.backups.engines import pipes

# A child that writes like pg_dump: stdio-sized pieces, now and then a pause.
WRITER = """
import hashlib, os, sys, time
total, piece = int(sys.argv[1]), int(sys.argv[2])
digest, written = hashlib.sha256(), 0
while written < total:
    data = bytes([written // piece % 251]) * min(piece, total - written)
    os.write(1, data)
    digest.update(data)
    written += len(data)
    if written % (piece * 64) == 0:
        time.sleep(0.001)
sys.stderr.write(digest.hexdigest())
"""


def run_writer(total: int, piece: int, size: int) -> tuple[list[bytes], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(total), str(piece)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with process.stdout as output:
        blocks = list(pipes.read_blocks(output, size))
    expected = process.stderr.read().decode()
    assert process.wait() == 0
    return blocks, expected


@pytest.mark.parametrize(
    ("total", "piece"), [(0, 4096), (1, 4096), (3 * (1 << 20) + 12345, 4096), (1 << 20, 1 << 16)]
)
def test_every_byte_arrives_in_order_in_whole_blocks(total, piece):
    blocks, expected = run_writer(total, piece, pipes.BLOCK)
    assert hashlib.sha256(b"".join(blocks)).hexdigest() == expected
    assert sum(map(len, blocks)) == total
    assert all(len(block) == pipes.BLOCK for block in blocks[:-1])
    assert len(blocks) == -(-total // pipes.BLOCK)


def test_a_pipe_that_cannot_be_widened_is_read_without_pauses(monkeypatch):
    monkeypatch.setattr(pipes, "widen_pipe", lambda pipe, size: 0)
    slept = []
    monkeypatch.setattr(pipes.time, "sleep", slept.append)
    blocks, expected = run_writer(600_000, 4096, pipes.BLOCK)
    assert hashlib.sha256(b"".join(blocks)).hexdigest() == expected
    assert slept == []
