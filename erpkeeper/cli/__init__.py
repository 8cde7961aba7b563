"""The ``erpkeeper`` command: one entry point whose subcommands call the services in-process.

Each app names its CLI modules on its AppConfig (``cli_modules``, see erpkeeper.lib.plugins);
each module contributes subcommands through ``register(sub)``. The toolkit they share (errors,
exit codes, JSON and tables) is erpkeeper.lib.cli.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

from erpkeeper.lib.cli import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    ArgumentParser,
    CommandError,
    emit,
    render_plain,
    table,
)

# Apps import these from erpkeeper.lib.cli; re-exported for the command's callers and tests.
__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "ArgumentParser",
    "CommandError",
    "emit",
    "main",
    "render_plain",
    "table",
]


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="erpkeeper", description="ERPKeeper (ERP 运维管家) command line")
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser.add_argument(
        "--xlsx", metavar="FILE", help="write a list command's rows to an Excel workbook"
    )
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        help="act as this ERPKeeper user (recorded in the audit trail); default cli:<os user>",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    sub.required = True
    for module_name in command_modules():
        importlib.import_module(module_name).register(sub)
    return parser


def command_modules() -> list[str]:
    from erpkeeper.lib.plugins import collect

    return ["erpkeeper.cli.commands", *collect("cli_modules")]


def json_flag_first(argv: list[str]) -> list[str]:
    """``--json`` and ``--xlsx FILE`` are accepted anywhere before ``--`` (``erpkeeper target
    list --json``): moved to the front, where the root parser reads them, so that no subcommand
    has to declare them."""
    end = argv.index("--") if "--" in argv else len(argv)
    head, front = list(argv[:end]), []
    if "--json" in head:
        head = [arg for arg in head if arg != "--json"]
        front.append("--json")
    for index, arg in enumerate(head):
        if arg == "--xlsx" and index + 1 < len(head):
            front += head[index : index + 2]
            del head[index : index + 2]
            break
        if arg.startswith("--xlsx="):
            front.append(head.pop(index))
            break
    return [*front, *head, *argv[end:]]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
    import django

    django.setup()
    from erpkeeper.core.checks import configuration_errors

    errors = configuration_errors()
    if errors:
        raise CommandError("; ".join(errors), EXIT_CONFIG, "configuration")


# Commands that manage the platform database themselves.
MIGRATING_COMMANDS = {"manage", "up"}
_migrations_checked = False


def ensure_migrated() -> None:
    """A home that was never migrated is set up on the spot (a new user's first command);
    one with pending migrations is left alone with a one-line hint, since migrating a
    production platform database is the operator's decision."""
    global _migrations_checked
    if _migrations_checked:
        return
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        _migrations_checked = True
        return
    if executor.loader.applied_migrations:
        raise CommandError(
            f"the platform database needs {len(pending)} migration(s): "
            "run `erpkeeper manage migrate`",
            EXIT_CONFIG,
            "configuration",
        )
    from django.core.management import call_command

    print("setting up the platform database (first run)...", file=sys.stderr)
    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["agent"]:
        # The agent runs on ERP hosts without ERPKeeper's configuration and must stay small:
        # no Django.
        from erpkeeper.monitoring.agent.main import main as agent_main

        return agent_main(argv[1:])
    argv = json_flag_first(argv)
    json_mode = argv[:1] == ["--json"]
    try:
        setup_django()
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command not in MIGRATING_COMMANDS:
            ensure_migrated()
        from erpkeeper.core.audit import cli_actor_context

        with cli_actor_context(args.actor, command=args.command):
            result = args.handler(args)
        return EXIT_OK if result is None else int(result)
    except CommandError as exc:
        return report_error(exc, json_mode)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def report_error(exc: CommandError, json_mode: bool) -> int:
    if json_mode:
        print(json.dumps({"error": exc.code, "detail": str(exc)}, ensure_ascii=False))
    else:
        print(f"error: {exc}", file=sys.stderr)
    return exc.exit_code
