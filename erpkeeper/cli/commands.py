"""Commands of the composition layer itself: ``manage`` (Django's commands) and ``up``."""

from __future__ import annotations

from django.core.management import execute_from_command_line

from erpkeeper.cli import up


def register(sub) -> None:
    manage = sub.add_parser("manage", help="run a Django management command (for operators)")
    manage.add_argument("rest", nargs="...", help="the management command and its arguments")
    manage.set_defaults(handler=run_manage)
    up.register(sub)


def run_manage(args) -> int:
    execute_from_command_line(["erpkeeper manage", *args.rest])
    return 0
