"""The ``erpkeeper`` command: one entry point whose subcommands call the services in-process.

Each app contributes its subcommands from ``erpkeeper/<app>/cli.py`` through ``register(sub)``.
Exit codes (documented in docs/cli.md):
  0 success · 1 the operation ran and failed (e.g. a target is unreachable, a check failed)
  2 bad input or usage · 3 not found · 4 configuration error · 130 interrupted
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFIG = 4
EXIT_INTERRUPTED = 130

COMMAND_MODULES = [
    "erpkeeper.core.cli",
    "erpkeeper.accounts.cli",
    "erpkeeper.targets.cli",
    "erpkeeper.backups.cli",
    "erpkeeper.backups.cli_recovery",
    "erpkeeper.notifications.cli",
    "erpkeeper.monitoring.cli",
    "erpkeeper.alerts.cli",
    "erpkeeper.demo.cli",
]


class CommandError(Exception):
    """A failure to report as one line on stderr (or JSON) with an exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED, code: str = "error"):
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise CommandError(f"{self.prog}: {message}", EXIT_USAGE, "usage")


def emit(args, data, text: str | None = None) -> None:
    """Print ``data`` as JSON under --json, else ``text`` (or a readable rendering of data)."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        print(text)
    else:
        print(render_plain(data))


def render_plain(data, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(data, dict):
        lines = []
        for key, value in data.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{pad}{key}:")
                lines.append(render_plain(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {value}")
        return "\n".join(lines)
    if isinstance(data, list):
        return "\n".join(
            render_plain(item, indent) if isinstance(item, dict | list) else f"{pad}- {item}"
            for item in data
        )
    return f"{pad}{data}"


def table(rows: list[dict], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    head = "  ".join(c.upper().ljust(widths[c]) for c in columns)
    body = ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join([head, *body])


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="erpkeeper", description="ERPKeeper (ERP 运维管家) command line")
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        help="act as this ERPKeeper user (recorded in the audit trail); default cli:<os user>",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    sub.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "erpkeeper.settings")
    import django

    django.setup()
    from erpkeeper.core.checks import configuration_errors

    errors = configuration_errors()
    if errors:
        raise CommandError("; ".join(errors), EXIT_CONFIG, "configuration")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["agent"]:
        # The agent runs on ERP hosts without ERPKeeper's configuration and must stay small:
        # no Django.
        from erpkeeper.monitoring.agent.main import main as agent_main

        return agent_main(argv[1:])
    json_mode = "--json" in argv
    try:
        setup_django()
        parser = build_parser()
        args = parser.parse_args(argv)
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


if __name__ == "__main__":
    # Run through the imported module, not this __main__ copy, so that the exceptions raised by
    # subcommands are the classes main() catches.
    from erpkeeper.cli import main as imported_main

    sys.exit(imported_main())
