"""The agent's loop: collect, number, push or buffer, replay. See the package docstring."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import socket
import stat
import sys
import threading
import time
from pathlib import Path

from erpkeeper import __version__
from erpkeeper.lib import dburl
from erpkeeper.monitoring.agent.buffer import DiskBuffer
from erpkeeper.monitoring.agent.inventory import INVENTORY_PATH, collect_inventory
from erpkeeper.monitoring.agent.options import TARGETS_ENV, add_arguments
from erpkeeper.monitoring.agent.push import Outcome, Pusher
from erpkeeper.monitoring.collectors.base import Collector, Sample, collect_safely
from erpkeeper.monitoring.collectors.registry import TargetSpec, host_collectors, target_collectors

logger = logging.getLogger("erpkeeper.agent")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_CONFIG = 0, 1, 2, 4
INVENTORY_RETRY_S = 300  # a failed inventory report is tried again after five minutes
MAX_SAMPLES_PER_BATCH = 5000  # the server refuses larger requests (413)


class UsageError(Exception):
    pass


class Agent:
    def __init__(self, *, pusher, buffer, collectors, host_name, interval, agent_version):
        self.pusher: Pusher = pusher
        self.buffer: DiskBuffer = buffer
        self.collectors: list[Collector] = collectors
        self.host_name = host_name
        self.interval = interval
        self.agent_version = agent_version
        self.stop = threading.Event()
        self.online = True  # for logging the changes only, not every failed attempt
        self.renumbered = False  # the first renumbering is a warning, the next ones debug
        self.erp_venv: str | None = None
        self.inventory_every = 24 * 3600.0
        self.next_inventory = 0.0  # monotonic time of the next inventory report: at once

    def run(self) -> None:
        logger.info(
            "agent %s started: host %s, every %s s, %d collector(s), server %s",
            self.agent_version,
            self.host_name,
            self.interval,
            len(self.collectors),
            self.pusher.url,
        )
        while not self.stop.is_set():
            started = time.monotonic()
            self.round(started + self.interval)
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))
        for collector in self.collectors:
            collector.close()
        logger.info(
            "agent stopped (last batch %d, delivered up to it or buffered)", self.buffer.last_seq
        )

    def round(self, deadline: float) -> None:
        if time.monotonic() >= self.next_inventory:
            sent = self.send_inventory()
            self.next_inventory = time.monotonic() + (
                self.inventory_every if sent else INVENTORY_RETRY_S
            )
        batches = self.batches(self.collect())
        if self.buffer.has_pending():
            # Older batches wait on disk: queue behind them to keep the server's order.
            for batch in batches:
                self.buffer.append(batch)
            self.replay(deadline)
        else:
            for batch in batches:
                self.deliver_or_buffer(batch)

    def send_inventory(self) -> bool:
        """Report what this machine is (hardware, disks' SMART, OS, ERP); True when taken."""
        payload = {
            "host": self.host_name,
            "agent_version": self.agent_version,
            "inventory": collect_inventory(self.erp_venv),
        }
        status, answer = self.pusher.post(INVENTORY_PATH, payload)
        if status is not None and 200 <= status < 300:
            logger.info("inventory sent: asset %s", answer.get("asset"))
            return True
        logger.error("inventory not taken (%s): %s", status or "unreachable", answer)
        return False

    def collect(self) -> list[Sample]:
        now = dt.datetime.now(dt.UTC)
        return [sample for c in self.collectors for sample in collect_safely(c, now)]

    def batches(self, samples: list[Sample]) -> list[dict]:
        return [
            {
                "host": self.host_name,
                "seq": self.buffer.next_seq(),
                "agent_version": self.agent_version,
                "instance": self.buffer.instance,
                "samples": [as_json(s) for s in samples[start : start + MAX_SAMPLES_PER_BATCH]],
            }
            for start in range(0, max(len(samples), 1), MAX_SAMPLES_PER_BATCH)
        ]

    def deliver_or_buffer(self, batch: dict) -> None:
        if self.stop.is_set():  # shutting down: keep it for the next start, do not wait
            self.buffer.append(batch)
            return
        outcome, detail = self.send(batch)
        if outcome is Outcome.RETRY:
            self.went_offline(detail)
            self.buffer.append(batch)
        elif outcome is Outcome.REJECTED:
            self.rejected(batch, detail)
        else:
            self.came_back()

    def replay(self, deadline: float) -> None:
        """Send buffered batches oldest first until done, the server fails, or ``deadline``."""
        for batch in self.buffer.pending():
            if self.stop.is_set() or time.monotonic() >= deadline:
                break
            outcome, detail = self.send(batch)
            if outcome is Outcome.RETRY:
                self.went_offline(detail)
                break
            self.came_back()
            if outcome is Outcome.REJECTED:
                self.rejected(batch, detail)
            else:
                self.buffer.mark_delivered(batch["seq"])
        self.buffer.remove_delivered()

    def send(self, batch: dict) -> tuple[Outcome, str]:
        """Push ``batch``; refused for naming targets the server does not know, stop
        collecting for those and push the rest of it again (same number: nothing was stored).
        """
        outcome, detail = self.pusher.send(batch)
        unknown = set(self.pusher.unknown_targets) if outcome is Outcome.REJECTED else set()
        kept = [sample for sample in batch["samples"] if sample.get("target") not in unknown]
        if unknown and len(kept) < len(batch["samples"]):
            self.drop_targets(unknown)
            batch["samples"] = kept  # also for batches buffered before the collectors stopped
            outcome, detail = self.pusher.send(batch)
        if outcome is Outcome.DELIVERED and self.pusher.answer.get("replay"):
            outcome, detail = self.renumber(batch, self.pusher.answer)
        return outcome, detail

    def renumber(self, batch: dict, answer: dict) -> tuple[Outcome, str]:
        """The server already took a batch with this number from this agent and stored none of
        it: the numbers went back (a buffer directory restored or copied to another machine),
        or the answer to a send was lost. Send the samples again under a number above the
        server's last: samples are stored once per series and time, so nothing is doubled and
        nothing is dropped. ``batch`` keeps its number for the buffer's bookkeeping."""
        last = int(answer.get("last_seq") or 0)
        again = {**batch, "seq": self.buffer.next_seq_above(last)}
        level = logging.DEBUG if self.renumbered else logging.WARNING
        logger.log(
            level,
            "the server refused batch %d as already taken (its last from this agent is %d): "
            "sent again as batch %d; is another agent using this buffer directory's instance id?",
            batch["seq"],
            last,
            again["seq"],
        )
        self.renumbered = True
        return self.pusher.send(again)

    def drop_targets(self, names: set[str]) -> None:
        dropped = [c for c in self.collectors if c.target in names]
        if not dropped:
            return
        logger.error(
            "the server has no target named %s: stopped collecting for it; add it in ERPKeeper "
            "(or correct --target) and restart the agent",
            ", ".join(sorted(names)),
        )
        for collector in dropped:
            collector.close()
        self.collectors = [c for c in self.collectors if c.target not in names]

    def rejected(self, batch: dict, detail: str) -> None:
        logger.error("server refused batch %d (moved to rejected/): %s", batch["seq"], detail)
        self.buffer.reject(batch, detail)

    def went_offline(self, detail: str) -> None:
        if self.online:
            logger.warning("server unavailable (%s): buffering batches on disk", detail)
        self.online = False

    def came_back(self) -> None:
        if not self.online:
            logger.info("server available again: sending the buffered batches")
        self.online = True


def as_json(sample: Sample) -> dict:
    return {
        "metric": sample.metric,
        "value": sample.value,
        "time": sample.time.timestamp(),
        "labels": sample.labels,
        "target": sample.target,
        "unit": sample.unit,
    }


def build_agent(args: argparse.Namespace) -> Agent:
    token = read_token(args)
    try:
        pusher = Pusher(args.server, token, args.ca_file)
    except (ValueError, OSError) as exc:  # a bad URL, or a CA file that cannot be read
        raise UsageError(str(exc)) from None
    collectors = host_collectors()
    for spec in target_specs(all_targets(args), args.erp_server):
        collectors.extend(target_collectors(spec))
    buffer = DiskBuffer(
        args.buffer_dir, int(args.buffer_max_mb * 1024 * 1024), args.buffer_max_hours * 3600
    )
    agent = Agent(
        pusher=pusher,
        buffer=buffer,
        collectors=collectors,
        host_name=args.name or socket.gethostname(),
        interval=args.interval,
        agent_version=__version__,
    )
    agent.erp_venv = args.erp_venv
    agent.inventory_every = args.inventory_hours * 3600
    return agent


def read_token(args: argparse.Namespace) -> str:
    token = args.token
    if args.token_file:
        try:
            token = Path(args.token_file).read_text().strip()
        except OSError as exc:
            raise UsageError(f"cannot read --token-file: {exc.strerror}") from None
    if not token.startswith("ekh_"):
        raise UsageError("give this host's token (ekh_…) with --token, --token-file or the env")
    return token


def all_targets(args: argparse.Namespace) -> list[str]:
    """``NAME=DBURL`` items from $ERPKEEPER_AGENT_TARGETS, --targets-file and --target.

    A password on the command line is visible to every local user (``ps``): warned about."""
    items = os.environ.get(TARGETS_ENV, "").split()
    if args.targets_file:
        items += read_targets_file(Path(args.targets_file))
    for item in args.target:
        warn_about_password(item)
    return items + list(args.target)


def read_targets_file(path: Path) -> list[str]:
    """One ``NAME=DBURL`` a line; blank lines and ``#`` comments skipped. A file that every
    user of the machine may read is refused: it holds the databases' passwords."""
    try:
        mode = path.stat().st_mode
        text = path.read_text()
    except OSError as exc:
        raise UsageError(f"cannot read --targets-file {path}: {exc.strerror}") from None
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        raise UsageError(
            f"--targets-file {path} may be read or changed by every user of this machine and "
            f"holds passwords: chmod 600 {path} (or 640 with a group for the agent)"
        )
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def warn_about_password(item: str) -> None:
    name, _sep, url = item.partition("=")
    try:
        password = dburl.parse(url.strip()).password
    except dburl.DatabaseUrlError:
        return  # reported as a usage error by target_specs
    if password:
        print(
            f"warning: --target {name.strip()} has a password on the command line, visible to "
            f"every user of this machine in the process list; use --targets-file or ${TARGETS_ENV}",
            file=sys.stderr,
        )


def target_specs(targets: list[str], erp_servers: list[str]) -> list[TargetSpec]:
    servers = dict(name_and_value(item, "--erp-server") for item in erp_servers)
    specs = []
    for item in targets:
        name, url = name_and_value(item, "--target")
        try:
            dburl.parse(url)
        except dburl.DatabaseUrlError as exc:
            raise UsageError(f"--target {name}: {exc}") from None
        specs.append(TargetSpec(name, url, erp_server_url=servers.pop(name, "")))
    if servers:
        raise UsageError(f"--erp-server for unknown target(s): {', '.join(sorted(servers))}")
    return specs


def name_and_value(item: str, option: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise UsageError(f"{option} expects NAME=VALUE, got {item.split('=')[0]!r}…")
    return name.strip(), value.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="erpkeeper agent", description="Push this machine's metrics to ERPKeeper."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    try:
        agent = build_agent(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # the buffer directory cannot be made or written
        print(f"error: buffer directory {args.buffer_dir}: {exc.strerror}", file=sys.stderr)
        return EXIT_CONFIG
    if args.inventory_once:
        return EXIT_OK if agent.send_inventory() else EXIT_FAILED
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: agent.stop.set())
    agent.run()
    return EXIT_OK
