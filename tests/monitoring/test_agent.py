"""``erpkeeper agent`` as a real process against a real local HTTP server standing in for
ERPKeeper (stopped and started again to cut the connection), and once against the real ingest
endpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest

TOKEN = "ekh_test_0123456789abcdef"


class Receiver:
    """Answers like the ingest endpoint: 202, a replay (seq not above the last) with accepted 0.

    ``posts`` lists every request in arrival order, ``taken`` those answered 2xx; ``fail_with``
    makes it answer that status to everything, ``refuse`` to the batches with those numbers.
    """

    def __init__(self):
        self.posts: list[dict] = []
        self.taken: list[dict] = []
        self.last_seq = 0
        self.fail_with: int | None = None
        self.refuse: dict[int, int] = {}
        self.lock = threading.Lock()
        self.server = self._serve(0)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _serve(self, port: int) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (the http.server API)
                if not self.path.endswith("/metrics/ingest/"):
                    # The agent's inventory report (tests/assets/test_agent_inventory.py).
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, answer = receiver.answer(self.headers["Authorization"], body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def answer(self, authorization: str, batch: dict) -> tuple[int, dict]:
        with self.lock:
            self.posts.append(batch)
            if authorization != f"Bearer {TOKEN}":
                return 401, {"detail": "Invalid host token."}
            if self.fail_with:
                return self.fail_with, {"detail": "unavailable"}
            if batch["seq"] in self.refuse:
                return self.refuse[batch["seq"]], {"detail": "invalid sample"}
            self.taken.append(batch)
            if batch["seq"] <= self.last_seq:
                return 202, {
                    "accepted": 0,
                    "duplicates": len(batch["samples"]),
                    "seq": batch["seq"],
                }
            self.last_seq = batch["seq"]
            return 202, {"accepted": len(batch["samples"]), "duplicates": 0, "seq": batch["seq"]}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def start(self):
        self.server = self._serve(self.port)

    def seqs(self) -> list[int]:
        """The numbers of the batches taken, in arrival order."""
        with self.lock:
            return [batch["seq"] for batch in self.taken]

    def wait_for_posts(self, count: int, seconds=15.0):
        deadline = time.monotonic() + seconds
        while len(self.posts) < count:
            assert time.monotonic() < deadline, f"{len(self.posts)} requests"
            time.sleep(0.05)

    def wait_for(self, condition, seconds=15.0):
        deadline = time.monotonic() + seconds
        while not condition(self.seqs()):
            assert time.monotonic() < deadline, f"received {self.seqs()}"
            time.sleep(0.05)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


def start_agent(server_url: str, buffer_dir, *extra: str, interval="0.2") -> subprocess.Popen:
    command = [
        sys.executable, "-m", "erpkeeper.monitoring.agent",
        "--server", server_url, "--token", TOKEN, "--name", "branch-1",
        "--interval", interval, "--buffer-dir", str(buffer_dir), *extra,
    ]  # fmt: skip
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True)


def stop_agent(agent: subprocess.Popen) -> str:
    agent.send_signal(signal.SIGTERM)
    _out, err = agent.communicate(timeout=15)
    assert agent.returncode == 0, err
    return err


def consecutive(seqs: list[int]) -> bool:
    return bool(seqs) and seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def cpu_times(batches: list[dict]) -> list[float]:
    return [
        s["time"]
        for batch in batches
        for s in batch["samples"]
        if s["metric"] == "host.cpu.percent"
    ]


@pytest.mark.parametrize("outage", ["stopped", "503"])
def test_buffers_while_the_server_is_away_and_replays_in_order(receiver, tmp_path, outage):
    agent = start_agent(receiver.url, tmp_path)
    try:
        receiver.wait_for(lambda seqs: len(seqs) >= 3)
        if outage == "stopped":
            receiver.stop()
        else:
            receiver.fail_with = 503
        time.sleep(1.5)  # about 7 batches go to the disk buffer
        if outage == "stopped":
            receiver.start()
        else:
            receiver.fail_with = None
        last_before = max(receiver.seqs())
        receiver.wait_for(lambda seqs: max(seqs) >= last_before + 10)
    finally:
        log = stop_agent(agent)
    seqs = receiver.seqs()
    assert consecutive(seqs)  # in order, no gap, no duplicate
    times = cpu_times(receiver.taken)
    assert times == sorted(times) and len(set(times)) == len(times)
    assert "buffering batches on disk" in log and "sending the buffered batches" in log
    # Whatever was not sent when SIGTERM came is on disk, numbered after the last one sent.
    pending = [b["seq"] for b in _pending(tmp_path)]
    assert consecutive(seqs + pending)
    assert int((tmp_path / "seq").read_text()) == (seqs + pending)[-1]


def _pending(buffer_dir) -> list[dict]:
    from erpkeeper.monitoring.agent.buffer import DiskBuffer

    return list(DiskBuffer(buffer_dir, 10**8, 86400).pending())


def test_a_refused_batch_is_set_aside_and_the_rest_goes_on(receiver, tmp_path):
    (tmp_path / "seq").write_text("100")  # numbering goes on from the buffer directory's
    receiver.refuse = {102: 422}
    agent = start_agent(receiver.url, tmp_path)
    try:
        receiver.wait_for(lambda seqs: len(seqs) >= 4)
    finally:
        log = stop_agent(agent)
    assert receiver.seqs()[:3] == [101, 103, 104]
    rejected = json.loads((tmp_path / "rejected" / f"{102:020d}.json").read_text())
    assert rejected["batch"]["seq"] == 102 and rejected["reason"].startswith("422")
    assert "server refused batch 102" in log


def test_a_restarted_agent_numbers_on_and_sends_what_it_buffered(receiver, tmp_path):
    receiver.fail_with = 500
    agent = start_agent(receiver.url, tmp_path)
    try:
        receiver.wait_for_posts(3)
    finally:
        stop_agent(agent)
    buffered = [b["seq"] for b in _pending(tmp_path)]
    assert consecutive(buffered) and len(buffered) >= 3
    receiver.fail_with = None
    agent = start_agent(receiver.url, tmp_path)
    try:
        receiver.wait_for(lambda seqs: len(seqs) >= len(buffered) + 2)
    finally:
        stop_agent(agent)
    seqs = receiver.seqs()
    assert consecutive(seqs) and seqs[0] == buffered[0]
    assert all(b["seq"] > seqs[-1] for b in _pending(tmp_path))  # only what SIGTERM left


def test_the_agent_stays_small_and_never_loads_django(receiver, tmp_path):
    agent = start_agent(receiver.url, tmp_path)
    try:
        receiver.wait_for(lambda seqs: len(seqs) >= 5)
        rss = psutil.Process(agent.pid).memory_info().rss
    finally:
        stop_agent(agent)
    assert rss < 40 * 1024 * 1024, f"agent RSS {rss / 1e6:.1f} MB"
    check = (
        "import sys, runpy; sys.argv = ['agent', '--help']\n"
        "try: runpy.run_module('erpkeeper.monitoring.agent', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "import erpkeeper.monitoring.agent.main, erpkeeper.monitoring.collectors.registry\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--token", "nope"], "ekh_"),
        (["--target", "erp"], "NAME=VALUE"),
        (["--target", "erp=ftp://x"], "unsupported database scheme"),
        (["--erp-server", "other=http://erp/"], "unknown target"),
    ],
)
def test_usage_errors(tmp_path, extra, message):
    command = [
        sys.executable, "-m", "erpkeeper.monitoring.agent", "--server", "http://127.0.0.1:9",
        "--token", TOKEN, "--buffer-dir", str(tmp_path), *extra,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert message in done.stderr


# ---------------------------------------------------------------- the disk buffer


def batch(seq: int) -> dict:
    return {"host": "h", "seq": seq, "agent_version": "t", "samples": [{"value": "x" * 150}]}


def test_the_buffer_drops_the_oldest_batches_over_its_size(tmp_path, caplog):
    from erpkeeper.monitoring.agent.buffer import DiskBuffer

    buffer = DiskBuffer(tmp_path, max_bytes=40_000, max_age_seconds=86400)
    for seq in range(1, 501):  # about 110 KB of batches
        buffer.append(batch(seq))
    kept = [b["seq"] for b in buffer.pending()]
    assert kept[-1] == 500 and kept == list(range(kept[0], 501))  # the newest, without a gap
    assert kept[0] > 250
    assert sum(p.stat().st_size for p in (tmp_path / "segments").iterdir()) <= 40_000 + 4096
    assert "over its size limit" in caplog.text


def test_the_buffer_drops_batches_past_the_age_limit(tmp_path, caplog):
    from erpkeeper.monitoring.agent.buffer import DiskBuffer

    buffer = DiskBuffer(tmp_path, max_bytes=10**8, max_age_seconds=24 * 3600)
    for seq in range(1, 4):
        buffer.append(batch(seq))
    day_ago = time.time() - 25 * 3600
    for segment in (tmp_path / "segments").iterdir():
        os.utime(segment, (day_ago, day_ago))
        # A segment named as made a day ago is closed: the next batch starts a new one.
        segment.rename(segment.with_name(f"{segment.stem.split('-')[0]}-{int(day_ago)}.jsonl"))
    buffer.append(batch(4))
    assert [b["seq"] for b in buffer.pending()] == [4]
    assert "older than the age limit" in caplog.text


def test_delivered_batches_are_skipped_and_their_segments_removed(tmp_path):
    from erpkeeper.monitoring.agent.buffer import DiskBuffer

    buffer = DiskBuffer(tmp_path, max_bytes=10**8, max_age_seconds=86400)
    first, second, third = (buffer.next_seq() for _ in range(3))
    assert first > time.time() * 1000 - 60_000  # a new directory numbers from the clock
    for seq in (first, second, third):
        buffer.append(batch(seq))
    buffer.mark_delivered(second)
    reopened = DiskBuffer(tmp_path, max_bytes=10**8, max_age_seconds=86400)
    assert reopened.next_seq() == third + 1
    assert [b["seq"] for b in reopened.pending()] == [third]
    reopened.mark_delivered(third)
    reopened.remove_delivered()
    assert not reopened.has_pending()
    assert list((tmp_path / "segments").iterdir()) == []


# ---------------------------------------------------------------- against the real endpoint


def test_end_to_end_against_the_ingest_endpoint(live_server, tmp_path):
    from erpkeeper.monitoring.models import Sample
    from erpkeeper.monitoring.services import create_host

    host, token = create_host("branch-e2e")
    log = run_until_cpu_stored(live_server, host, token, tmp_path)
    host.refresh_from_db()
    assert host.agent_version and host.last_seen is not None
    assert host.last_batch_seq > time.time() * 1000 - 60_000  # numbered from the clock
    cpu = Sample.objects.filter(series__host=host, series__metric="host.cpu.percent")
    assert all(0 <= s.value <= 100 for s in cpu)
    assert "refused" not in log and "unavailable" not in log
    assert not list((tmp_path / "rejected").iterdir())


def test_a_target_the_server_lacks_is_dropped_and_the_host_metrics_go_on(live_server, tmp_path):
    import sqlite3

    from erpkeeper.monitoring.models import Sample
    from erpkeeper.monitoring.services import create_host

    erp_file = tmp_path / "ghost.sqlite"
    sqlite3.connect(erp_file).close()
    host, token = create_host("branch-ghost")
    target = f"ghost=sqlite:///{erp_file}"
    log = run_until_cpu_stored(live_server, host, token, tmp_path / "buffer", "--target", target)
    assert log.count("the server has no target named ghost") == 1
    assert not Sample.objects.filter(series__target__isnull=False).exists()
    assert not list((tmp_path / "buffer" / "rejected").iterdir())


def run_until_cpu_stored(live_server, host, token, buffer_dir, *extra) -> str:
    """Run the real agent for ``host`` until 3 CPU samples are stored; its log."""
    from erpkeeper.monitoring.models import Sample

    command = [
        sys.executable, "-m", "erpkeeper.monitoring.agent", "--server", live_server.url,
        "--token", token, "--name", host.name, "--interval", "0.3",
        "--buffer-dir", str(buffer_dir), *extra,
    ]  # fmt: skip
    agent = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    cpu = Sample.objects.filter(series__host=host, series__metric="host.cpu.percent")
    try:
        deadline = time.monotonic() + 20
        while cpu.count() < 3:
            assert time.monotonic() < deadline and agent.poll() is None, "no batches stored"
            time.sleep(0.1)
    finally:
        log = stop_agent(agent)
    return log


def test_erpkeeper_agent_hands_the_words_after_agent_to_the_agent():
    from erpkeeper.monitoring.collectors.cli import agent_words

    assert agent_words(["erpkeeper", "agent", "--server", "s"]) == ["--server", "s"]
    assert agent_words(["erpkeeper", "--as", "agent", "agent", "--name", "agent"]) == [
        "--name",
        "agent",
    ]
