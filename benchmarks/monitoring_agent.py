"""Benchmark: the cost of ``erpkeeper agent`` on the machine it watches.

    .venv/bin/python benchmarks/monitoring_agent.py [--minutes 10] [--interval 10] \\
        [--target NAME=DBURL ...]

Runs the agent (``python -m erpkeeper.monitoring.agent``, as deployed) against a local HTTP
receiver that answers like the ingest endpoint, for ``--minutes``, and prints its CPU use in %
of one core (user + system CPU time of the agent process over the wall time: the whole run, and
the steady state after its first minute) and its peak RSS. The product's targets at a 10 s
interval: <= 0.5 % of one core and <= 40 MB. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil

CPU_TARGET_PERCENT = 0.5
RSS_TARGET_MB = 40
WARM_UP_SECONDS = 60


class Receiver(BaseHTTPRequestHandler):
    batches: list[int] = []  # samples per batch received

    def do_POST(self):  # noqa: N802  (the http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Receiver.batches.append(len(body["samples"]))
        answer = json.dumps({"accepted": len(body["samples"]), "duplicates": 0, "seq": body["seq"]})
        self.send_response(202)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def run(minutes: float, interval: float, targets: list[str]) -> dict:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as buffer_dir:
        command = [
            sys.executable, "-m", "erpkeeper.monitoring.agent",
            "--server", f"http://127.0.0.1:{server.server_address[1]}",
            "--token", "ekh_bench_0000", "--interval", str(interval),
            "--buffer-dir", buffer_dir, "--log-level", "WARNING",
            *[arg for target in targets for arg in ("--target", target)],
        ]  # fmt: skip
        agent = subprocess.Popen(command)
        process = psutil.Process(agent.pid)
        started = time.monotonic()
        peak_rss, warm = 0, None
        try:
            while time.monotonic() - started < minutes * 60:
                peak_rss = max(peak_rss, process.memory_info().rss)
                if warm is None and time.monotonic() - started >= WARM_UP_SECONDS:
                    warm = (time.monotonic(), cpu_seconds(process))
                time.sleep(1)
            wall = time.monotonic() - started
            cpu = cpu_seconds(process)
            steady = None
            if warm is not None and time.monotonic() > warm[0]:
                steady = 100 * (cpu - warm[1]) / (time.monotonic() - warm[0])
        finally:
            agent.terminate()
            agent.wait(30)
            server.shutdown()
    return {
        "wall_seconds": round(wall, 1),
        "cpu_percent_of_one_core": round(100 * cpu / wall, 3),
        "steady_cpu_percent_of_one_core": None if steady is None else round(steady, 3),
        "peak_rss_mb": round(peak_rss / 1024 / 1024, 1),
        "batches": len(Receiver.batches),
        "samples_per_batch": max(Receiver.batches, default=0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--target", action="append", default=[], metavar="NAME=DBURL")
    args = parser.parse_args()
    result = run(args.minutes, args.interval, args.target)
    for key, value in result.items():
        print(f"{key:32} {value}")
    cpu = result["steady_cpu_percent_of_one_core"] or result["cpu_percent_of_one_core"]
    ok = cpu <= CPU_TARGET_PERCENT and result["peak_rss_mb"] <= RSS_TARGET_MB
    print(
        f"targets (<= {CPU_TARGET_PERCENT} % CPU, <= {RSS_TARGET_MB} MB): "
        + ("met" if ok else "NOT met")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
