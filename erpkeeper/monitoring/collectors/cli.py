"""``erpkeeper agent`` (the remote agent) and ``erpkeeper collect`` (one local round, shown)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import time

from erpkeeper.lib.cli import emit, table
from erpkeeper.monitoring.agent.options import add_arguments
from erpkeeper.monitoring.collectors.embedded import EmbeddedCollector
from erpkeeper.monitoring.tsdb.ingest import MetricSample, embedded_host, ingest


def register(sub) -> None:
    agent = sub.add_parser("agent", help="push this machine's metrics to an ERPKeeper server")
    add_arguments(agent)
    agent.set_defaults(handler=handle_agent)
    collect = sub.add_parser(
        "collect", help="collect this machine's and its targets' metrics once and show them"
    )
    collect.add_argument("--store", action="store_true", help="also store them (embedded host)")
    collect.set_defaults(handler=handle_collect)


def handle_agent(args) -> None:
    # The agent must not carry Django: replace this process by a fresh interpreter running it
    # with the words that followed "agent" on the command line (checked by the parser above).
    command = [sys.executable, "-m", "erpkeeper.monitoring.agent", *agent_words(sys.argv)]
    os.execv(sys.executable, command)  # noqa: S606  (this interpreter, no shell)


def agent_words(argv: list[str]) -> list[str]:
    """The words after the command ``agent`` (not after a user named agent: ``--as agent``)."""
    for index, word in enumerate(argv[1:], start=1):
        if word == "agent" and argv[index - 1] != "--as":
            return argv[index + 1 :]
    return []


def handle_collect(args) -> None:
    collector = EmbeddedCollector()
    try:
        # CPU use and the rates compare two readings: take a first one and wait a second.
        collector.collect(dt.datetime.now(dt.UTC))
        time.sleep(1)
        samples = collector.collect(dt.datetime.now(dt.UTC))
        stored = None
        if args.store:
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
