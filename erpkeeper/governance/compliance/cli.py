"""``erpkeeper compliance library|controls|assess``.

erpkeeper compliance library validate FILE     (every problem with its line, nothing loaded)
erpkeeper compliance library load FILE         (a CISO Assistant-format library file)
erpkeeper compliance library load --builtin    (the shipped libraries and control set)
erpkeeper compliance library list
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.governance.compliance import cli_controls, services
from erpkeeper.governance.compliance.models import Framework
from erpkeeper.lib.cli import EXIT_USAGE, CommandError, emit, table, validation_error

FRAMEWORK_COLUMNS = ["ref_id", "version", "requirements", "assessable", "name", "loaded_at"]
LOAD_COLUMNS = ["ref_id", "version", "outcome", "added", "removed", "changed", "reviews"]


def register(sub) -> None:
    compliance = sub.add_parser("compliance", help="compliance frameworks, controls, evidence")
    areas = compliance.add_subparsers(dest="area", metavar="AREA")
    areas.required = True
    library = areas.add_parser("library", help="framework libraries (YAML)")
    actions = library.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    load = actions.add_parser("load", help="load a library file, or the shipped ones")
    load.add_argument("file", nargs="?", help="a library file in CISO Assistant's format")
    load.add_argument("--builtin", action="store_true", help="the libraries shipped here")
    load.set_defaults(handler=handle_load)
    validate = actions.add_parser("validate", help="check a library file without loading it")
    validate.add_argument("file")
    validate.set_defaults(handler=handle_validate)
    listing = actions.add_parser("list", help="the loaded frameworks")
    listing.set_defaults(handler=handle_list)
    cli_controls.register(areas, may)


def may(action: str, model: str) -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"governance.{action}_{model}"):
        raise CommandError(
            f"{user.get_username()} may not {action} {model}s", EXIT_USAGE, "forbidden"
        )


def read_file(name: str) -> bytes:
    path = Path(name)
    try:
        if path.stat().st_size > services.library.MAX_FILE_BYTES:
            raise CommandError(f"{name}: larger than 5 MB", EXIT_USAGE, "too_large")
        return path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CommandError(f"cannot read {name}: {reason}", EXIT_USAGE, "unreadable") from None


def handle_validate(args) -> int:
    content = read_file(args.file)
    try:
        library = services.validate_library(content)
    except ValidationError as exc:
        raise _invalid(args.file, exc) from None
    row = {
        "file": args.file,
        "valid": True,
        "ref_id": library.ref_id,
        "version": library.version,
        "requirements": len(library.nodes),
        "assessable": sum(node.assessable for node in library.nodes),
    }
    emit(args, row)
    return 0


def _invalid(name: str, exc: ValidationError) -> CommandError:
    problems = "\n  ".join(str(message) for message in exc.messages)
    return CommandError(f"{name} is not a valid library:\n  {problems}", EXIT_USAGE, "invalid")


def handle_load(args) -> int:
    may("add", "framework")
    if bool(args.file) == bool(args.builtin):
        raise CommandError("give a FILE or --builtin (one of them)", EXIT_USAGE, "usage")
    try:
        if args.builtin:
            results = services.load_builtin()
            controls = services.load_builtin_controls()
        else:
            name = Path(args.file).name
            results = [services.load_library(read_file(args.file), source_name=name)]
    except ValidationError as exc:
        raise (_invalid(args.file, exc) if args.file else validation_error(exc)) from None
    rows = [load_row(result) for result in results]
    emit(args, rows, table(rows, LOAD_COLUMNS))
    if args.builtin and not getattr(args, "json", False):
        print(f"controls: {controls.created} created, {controls.updated} updated")
    return 0


def load_row(result: services.LoadResult) -> dict:
    update = result.update
    return {
        "ref_id": result.framework.ref_id,
        "version": result.framework.version,
        "outcome": result.outcome,
        "added": len(update.added) if update else 0,
        "removed": len(update.removed) if update else 0,
        "changed": len(update.changed) if update else 0,
        "reviews": result.reviews,
    }


def handle_list(args) -> int:
    may("view", "framework")
    rows = [framework_row(framework) for framework in Framework.objects.order_by("ref_id")]
    emit(args, rows, table(rows, FRAMEWORK_COLUMNS))
    return 0


def framework_row(framework: Framework) -> dict:
    current = framework.requirements.filter(retired=False)
    return {
        "ref_id": framework.ref_id,
        "version": framework.version,
        "requirements": current.count(),
        "assessable": current.filter(assessable=True).count(),
        "name": framework.name,
        "provider": framework.provider,
        "loaded_at": framework.loaded_at.isoformat(timespec="seconds"),
    }
