"""``erpkeeper audit verify|list|export``: check the hash chain, read and export the trail."""

from __future__ import annotations

import contextlib
import sys

from erpkeeper.core import audit
from erpkeeper.core.audit.filters import AuditEntryFilterSet
from erpkeeper.core.models import AuditEntry
from erpkeeper.lib.cli import EXIT_FAILED, EXIT_USAGE, CommandError, emit, table
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments


def register(sub) -> None:
    audit = sub.add_parser("audit", help="the audit trail: verify the chain, list, export")
    actions = audit.add_subparsers(dest="audit_action", metavar="ACTION")
    actions.required = True

    verify = actions.add_parser(
        "verify", help="check the hash chain; exit 1 naming every altered, inserted or lost entry"
    )
    verify.add_argument(
        "--anchor",
        metavar="SEQUENCE:HASH",
        help="a head printed by an earlier verify, kept elsewhere: it must still be in the chain",
    )
    verify.set_defaults(handler=handle_verify)

    listing = actions.add_parser("list", help="the latest entries, newest first")
    add_filter_arguments(listing, AuditEntryFilterSet)
    listing.add_argument("--limit", type=int, default=50, help="at most N entries (default 50)")
    listing.set_defaults(handler=handle_list)

    export = actions.add_parser("export", help="write the entries as CSV, oldest first")
    export.add_argument(
        "--output", "-o", required=True, metavar="FILE", help="CSV file to write, - for stdout"
    )
    add_filter_arguments(export, AuditEntryFilterSet)
    export.set_defaults(handler=handle_export)


def _entries(args):
    return filter_from_arguments(AuditEntryFilterSet, AuditEntry.objects.all(), args)


def handle_verify(args) -> int:
    anchor = _parse_anchor(args.anchor) if args.anchor else None
    result = audit.verify(anchor=anchor)
    lines = [result.summary()]
    lines += [f"  {problem.message}" for problem in result.problems]
    if result.more_problems:
        lines.append(f"  ... and {result.more_problems} more")
    if result.head_sequence is not None:
        lines.append(f"head: {result.head_sequence}:{result.head_hash}")
    emit(args, result.as_dict(), "\n".join(lines))
    return 0 if result.ok else EXIT_FAILED


def _parse_anchor(text: str) -> tuple[int, str]:
    sequence, _, digest = text.partition(":")
    if not sequence.isdigit() or len(digest) != 64:
        raise CommandError("--anchor: expected SEQUENCE:HASH (64 hex digits)", EXIT_USAGE, "usage")
    return int(sequence), digest.lower()


def handle_list(args) -> int:
    if args.limit < 1:
        raise CommandError("--limit must be at least 1", EXIT_USAGE, "usage")
    entries = list(_entries(args).order_by("-sequence")[: args.limit])
    rows = [audit.entry_row(entry) for entry in entries]
    text_rows = [
        {
            "seq": row["sequence"],
            "time": row["time"][:19],
            "actor": row["actor"],
            "source": row["source"],
            "action": row["action"],
            "object": f"{row['object_type']}:{row['object_id']} {row['object']}",
            "request": row["request_id"],
        }
        for row in rows
    ]
    columns = ["seq", "time", "actor", "source", "action", "object", "request"]
    emit(args, rows, table(text_rows, columns))
    return 0


def handle_export(args) -> int:
    lines = audit.csv_lines(_entries(args))
    if args.output == "-":
        with contextlib.suppress(BrokenPipeError):  # e.g. piped into head
            _write(sys.stdout, lines)
        return 0
    try:
        with open(args.output, "w", newline="", encoding="utf-8") as handle:
            count = _write(handle, lines)
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror}", EXIT_FAILED) from None
    emit(
        args,
        {"output": args.output, "entries": count},
        f"wrote {count} entries to {args.output}",
    )
    return 0


def _write(handle, lines) -> int:
    count = -1  # the header is not an entry
    for line in lines:
        handle.write(line)
        count += 1
    return count
