"""The CLI toolkit every app's ``cli.py`` uses: errors with exit codes, output as text or JSON.

It lives in lib so that apps at any layer can use it without importing the command's root
(``erpkeeper.cli``, the composition layer that imports them all).

Exit codes (documented in docs/cli.md):
  0 success · 1 the operation ran and failed (e.g. a target is unreachable, a check failed)
  2 bad input or usage · 3 not found · 4 configuration error · 130 interrupted
"""

from __future__ import annotations

import argparse
import json

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_CONFIG = 4
EXIT_INTERRUPTED = 130


class CommandError(Exception):
    """A failure to report as one line on stderr (or JSON) with an exit code, never a traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED, code: str = "error"):
        super().__init__(message)
        self.exit_code = exit_code
        self.code = code


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise CommandError(f"{self.prog}: {message}", EXIT_USAGE, "usage")


def validation_text(exc) -> str:
    """A Django ValidationError as one line: "field: message; ..."; errors that belong to no
    field (``__all__``) without a field name."""
    if not hasattr(exc, "error_dict"):
        return " ".join(str(message) for message in exc.messages)
    parts = []
    for field, messages in exc.message_dict.items():
        text = " ".join(str(message) for message in messages)
        parts.append(text if field == "__all__" else f"{field}: {text}")
    return "; ".join(parts)


def validation_error(exc, code: str = "invalid") -> CommandError:
    """A Django ValidationError as the one-line usage error every command reports."""
    return CommandError(validation_text(exc), EXIT_USAGE, code)


def emit(args, data, text: str | None = None) -> None:
    """Print ``data`` as JSON under --json, write it to a workbook under --xlsx FILE (a list),
    else print ``text`` (or a readable rendering of data)."""
    if getattr(args, "xlsx", None):
        write_xlsx(args, data)
    elif getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif text is not None:
        print(text)
    else:
        print(render_plain(data))


def write_xlsx(args, data) -> None:
    """The rows a list command found, as a workbook: one row per item, one column per key."""
    # Imported here: openpyxl takes a tenth of a second to load, paid only by an export.
    from erpkeeper.lib.exports import xlsx_bytes  # noqa: PLC0415

    if not isinstance(data, list):
        raise CommandError("--xlsx writes lists: use it with a list command", EXIT_USAGE, "usage")
    title = " ".join(str(getattr(args, name, "") or "") for name in ("command", "action"))
    try:
        with open(args.xlsx, "wb") as handle:
            handle.write(xlsx_bytes(data, title=title.strip() or "ERPKeeper"))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        message = f"cannot write {args.xlsx}: {reason}"
        raise CommandError(message, EXIT_FAILED, "unwritable") from None
    if getattr(args, "json", False):
        print(json.dumps({"written": args.xlsx, "rows": len(data)}))
    else:
        rows = "row" if len(data) == 1 else "rows"
        print(f"{len(data)} {rows} written to {args.xlsx}")


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


def find_one(queryset, noun: str, **lookup):
    """The row of ``queryset`` matching the one ``lookup`` (``pk=3`` or ``name="x"``), else a
    not-found error (exit 3): "no backup with id 3", "no destination named 'x'"."""
    found = queryset.filter(**lookup).first()
    if found is None:
        ((field, value),) = lookup.items()
        described = f"with id {value}" if field in ("pk", "id") else f"named {value!r}"
        raise CommandError(f"no {noun} {described}", EXIT_NOT_FOUND, "not_found")
    return found


def add_actions(actions, commands, argument: str, **argument_options) -> None:
    """Subcommands of one shape: each ``(name, help, handler)`` in ``commands`` takes the same
    positional ``argument`` (e.g. ``channel enable NAME``, ``channel disable NAME``)."""
    for name, text, handler in commands:
        parser = actions.add_parser(name, help=text)
        parser.add_argument(argument, **argument_options)
        parser.set_defaults(handler=handler)
