"""``erpkeeper demo-erp``: build the demo Tryton ERP (a real database with a year of history)."""

from __future__ import annotations

import os
from pathlib import Path

from erpkeeper.demo.catalog import SIZES
from erpkeeper.lib.cli import EXIT_FAILED, EXIT_USAGE, CommandError, emit
from erpkeeper.lib.progress import Progress


def register(sub) -> None:
    parser = sub.add_parser(
        "demo-erp",
        help="build a demo Tryton 8.2 ERP with a year of realistic history",
        description=(
            "Build a real Tryton 8.2 database (sales, purchases, stock, invoices, payments, "
            "users and roles, login history) for ERPKeeper to look after. An existing Tryton "
            "database is never overwritten."
        ),
    )
    parser.add_argument(
        "--db-url",
        metavar="URL",
        help="sqlite:////abs/path/name.sqlite or postgresql://user@host:port/dbname "
        "(default: <ERPKEEPER_HOME>/demo-erp/demo.sqlite)",
    )
    parser.add_argument(
        "--size",
        default="small",
        help=f"{' | '.join(SIZES)} (default small: about 30 sales; medium: 5,000; large: 100,000)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.set_defaults(handler=run_demo_erp)


def default_paths() -> tuple[str, Path, Path]:
    from django.conf import settings

    folder = Path(settings.HOME) / "demo-erp"
    return f"sqlite:///{folder / 'demo.sqlite'}", folder / "admin-password", folder / "cache"


def run_demo_erp(args) -> int:
    # Late: the builder imports Tryton, which every other command can do without.
    from erpkeeper.demo import DemoBuildError, DemoInputError, build_demo

    if args.size not in SIZES:
        raise CommandError(
            f"unknown size {args.size!r}: choose one of {', '.join(SIZES)}", EXIT_USAGE, "usage"
        )
    default_url, password_file, base_cache = default_paths()
    db_url = args.db_url or default_url
    bar = Progress(bar_format="{l_bar}{bar}| {elapsed}")

    try:
        summary = build_demo(
            db_url,
            size=args.size,
            seed=args.seed,
            progress=None if getattr(args, "json", False) else bar.update,
            password_file=password_file,
            base_cache=os.environ.get("ERPKEEPER_DEMO_BASE_CACHE") or base_cache,
        )
    except DemoInputError as exc:
        raise CommandError(str(exc), EXIT_USAGE, "usage") from exc
    except DemoBuildError as exc:
        raise CommandError(str(exc), EXIT_FAILED, "demo_build_failed") from exc
    finally:
        bar.close()
    emit(args, summary, render(summary))
    return 0


def _states(block: dict) -> str:
    states = ", ".join(f"{state} {count}" for state, count in block["by_state"].items())
    return f"{block['total']} ({states})"


def render(summary: dict) -> str:
    lines = [
        f"Demo Tryton ERP ready: {summary['database']}",
        f"  history      {summary['history_start']} .. {summary['history_end']} "
        f"(times in {summary['timezone']}, currency {summary['currency']})",
        f"  sales        {_states(summary['sales'])}",
        f"  sale lines   {summary['sale_lines']}",
        f"  purchases    {_states(summary['purchases'])}",
        f"  invoices     customer {_states(summary['customer_invoices'])}",
        f"               supplier {_states(summary['supplier_invoices'])}",
        f"  stock moves  {summary['stock_moves']}, account moves {summary['account_moves']}",
        f"  users        {summary['users']} ({summary['active_users']} active), "
        f"roles {summary['roles']}, logins {summary['sessions']}, "
        f"failed logins {summary['failed_logins']}",
        f"  built in     {summary['seconds']} s (size {summary['size']}, seed {summary['seed']})",
        f"Log in as '{summary['admin_login']}'; the password is in {summary['password_file']}",
    ]
    return "\n".join(lines)
