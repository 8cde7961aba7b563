"""``erpkeeper agent`` (the remote agent) and ``erpkeeper collect`` (one local round, shown)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

from erpkeeper.cli import emit, table


def register(sub) -> None:
    agent = sub.add_parser(
        "agent",
        help="push this machine's metrics to an ERPKeeper server (see `erpkeeper agent --help`)",
    )
    agent.add_argument("agent_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    agent.set_defaults(handler=handle_agent)
    collect = sub.add_parser(
        "collect", help="collect this machine's and its targets' metrics once and show them"
    )
    collect.add_argument("--store", action="store_true", help="also store them (embedded host)")
    collect.set_defaults(handler=handle_collect)


def handle_agent(args) -> None:
    # Reached only when options came before "agent" (erpkeeper --json agent …): run the agent
    # in a fresh interpreter, which leaves Django and the server's configuration behind.
    command = [sys.executable, "-m", "erpkeeper.monitoring.agent", *args.agent_args]
    os.execv(sys.executable, command)  # noqa: S606  (this interpreter, no shell)


def handle_collect(args) -> None:
    from erpkeeper.monitoring.collectors.embedded import EmbeddedCollector

    collector = EmbeddedCollector()
    try:
        # CPU use and the rates compare two readings: take a first one and wait a second.
        collector.collect(dt.datetime.now(dt.UTC))
        time.sleep(1)
        samples = collector.collect(dt.datetime.now(dt.UTC))
        stored = None
        if args.store:
            from erpkeeper.monitoring.storage.ingest import MetricSample, embedded_host, ingest

            result = ingest(embedded_host(), [MetricSample(**vars(s)) for s in samples])
            stored = {"accepted": result.accepted, "duplicates": result.duplicates}
    finally:
        collector.close()
    rows = [
        {
            "metric": s.metric,
            "labels": ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())),
            "target": s.target or "",
            "value": round(s.value, 4),
            "unit": s.unit,
        }
        for s in samples
    ]
    text = table(rows, ["metric", "labels", "target", "value", "unit"])
    if stored is not None:
        text += f"\nstored: {stored['accepted']} new, {stored['duplicates']} already there"
    emit(args, {"samples": rows, "stored": stored}, text)
