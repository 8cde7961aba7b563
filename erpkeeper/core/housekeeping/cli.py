"""``erpkeeper housekeeping [--keep-days N] [--dry-run] [--no-wait]``: delete old job runs and
notifications now (the daily ``core.housekeeping`` job does the same; see core/housekeeping.py)."""

from __future__ import annotations

import argparse

from erpkeeper.core.audit import acting_user
from erpkeeper.core.housekeeping import MAX_KEEP_DAYS, prune_history, queue_housekeeping
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.lib.cli import emit


def register(sub) -> None:
    parser = sub.add_parser(
        "housekeeping",
        help="delete finished job runs and sent notifications older than the kept history",
    )
    parser.add_argument(
        "--keep-days",
        type=_days,
        metavar="N",
        help="keep the last N days (default: ERPKEEPER_KEEP_HISTORY_DAYS, 180; 0 keeps all)",
    )
    parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    parser.add_argument(
        "--no-wait", action="store_true", help="queue the job for the worker and return"
    )
    parser.set_defaults(handler=handle_housekeeping)


def handle_housekeeping(args) -> int:
    if args.dry_run:
        counts = prune_history(days=args.keep_days, dry_run=True)
        text = ", ".join(f"{name}: {count} would be deleted" for name, count in counts.items())
        emit(args, counts, text)
        return 0
    job = queue_housekeeping(requested_by=acting_user(), days=args.keep_days)
    if args.no_wait:
        emit(args, describe(job, with_log=False), f"queued job {job.pk} ({job.kind})")
        return 0
    return run_here(args, job)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number of days") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    if value > MAX_KEEP_DAYS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_KEEP_DAYS}")
    return value
