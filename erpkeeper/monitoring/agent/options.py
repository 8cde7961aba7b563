"""The agent's command-line options, shared by ``erpkeeper agent`` and ``python -m …agent``.

Kept apart from the agent's code so that building ``erpkeeper``'s parser stays cheap.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_INTERVAL = 10
TOKEN_ENV = "ERPKEEPER_AGENT_TOKEN"  # noqa: S105  (the name of a variable)
TARGETS_ENV = "ERPKEEPER_AGENT_TARGETS"


def default_buffer_dir() -> Path:
    # systemd's StateDirectory= sets STATE_DIRECTORY; otherwise the user's state directory.
    state = os.environ.get("STATE_DIRECTORY") or os.path.expanduser("~/.local/state")
    return Path(state) / "erpkeeper-agent"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", required=True, help="the ERPKeeper server, e.g. https://erpkeeper.example"
    )
    parser.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV, ""),
        help=f"this host's token (ekh_…, from `erpkeeper host add`); default ${TOKEN_ENV}",
    )
    parser.add_argument(
        "--token-file", help="read the token from this file (keeps it out of the process list)"
    )
    parser.add_argument(
        "--name", help="this host's name as registered on the server (default: the host name)"
    )
    parser.add_argument(
        "--interval",
        type=positive_number,
        default=DEFAULT_INTERVAL,
        help=f"seconds between collections (default {DEFAULT_INTERVAL})",
    )
    parser.add_argument(
        "--buffer-dir",
        type=Path,
        default=default_buffer_dir(),
        help="where batch numbers and unsent batches are kept (default %(default)s)",
    )
    parser.add_argument(
        "--buffer-max-mb",
        type=positive_number,
        default=100.0,
        help="size limit of the buffer; the oldest batches go first (default %(default)s)",
    )
    parser.add_argument(
        "--buffer-max-hours",
        type=positive_number,
        default=24.0,
        help="age limit of buffered batches (default %(default)s)",
    )
    parser.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=DBURL",
        help="also collect this target's database (and Tryton) metrics; repeatable. A password "
        "here is visible in the process list: prefer --targets-file or $" + TARGETS_ENV,
    )
    parser.add_argument(
        "--targets-file",
        metavar="PATH",
        help="targets, one NAME=DBURL a line (# comments); readable by its owner (and group) "
        "only, as it holds passwords",
    )
    parser.add_argument(
        "--erp-server",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="the Tryton server of target NAME, for erp.rpc.up / latency; repeatable",
    )
    parser.add_argument("--ca-file", help="a CA certificate (PEM) to trust for the server")
    parser.add_argument(
        "--erp-venv",
        metavar="PATH",
        help="the ERP's virtual environment: its trytond version goes in the inventory",
    )
    parser.add_argument(
        "--inventory-hours",
        type=positive_number,
        default=24.0,
        help="hours between inventory reports (hardware, disks' SMART, OS, ERP; default "
        "%(default)s)",
    )
    parser.add_argument(
        "--inventory-once",
        action="store_true",
        help="send this machine's inventory once and exit (0 when the server took it)",
    )
    parser.add_argument(
        "--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )


def positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value
