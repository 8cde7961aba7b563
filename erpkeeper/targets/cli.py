"""``erpkeeper target add|list|show|check|update|remove``."""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError

from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    table,
    validation_error,
)
from erpkeeper.targets import services
from erpkeeper.targets.models import Target
from erpkeeper.targets.services import TargetRemovalFailed, check_target, get_target, remove_target


def register(sub) -> None:
    target = sub.add_parser("target", help="ERP instances under care")
    actions = target.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    add = actions.add_parser("add", help="register an ERP instance (checked read-only first)")
    add.add_argument("name")
    _url_arguments(add, required=True)
    _field_arguments(add)
    add.add_argument("--kind", default="tryton", help="ERP kind (default: tryton)")
    add.add_argument("--no-check", action="store_true", help="register without connecting first")
    add.set_defaults(handler=handle_add)

    update = actions.add_parser("update", help="change a target's settings")
    update.add_argument("name")
    _url_arguments(update, required=False)
    _field_arguments(update)
    update.add_argument("--rename", metavar="NEW_NAME")
    update.add_argument("--clear-windows", action="store_true", help="remove all windows")
    update.set_defaults(handler=handle_update)

    actions.add_parser("list", help="list targets").set_defaults(handler=handle_list)

    show = actions.add_parser("show", help="a target's settings and last known facts")
    show.add_argument("name")
    show.set_defaults(handler=handle_show)

    check = actions.add_parser("check", help="connect read-only and report the ERP's facts")
    check.add_argument("name")
    check.set_defaults(handler=handle_check)

    remove = actions.add_parser("remove", help="stop caring for a target (the ERP is untouched)")
    remove.add_argument("name")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.add_argument(
        "--delete-backups",
        action="store_true",
        help="also delete its backups (default: keep them, restorable with restore --to)",
    )
    remove.set_defaults(handler=handle_remove)


def _url_arguments(parser, required: bool) -> None:
    group = parser.add_mutually_exclusive_group(required=required)
    group.add_argument(
        "--db-url", help="sqlite:////path/erp.sqlite or postgresql://user:password@host:port/db"
    )
    group.add_argument(
        "--db-url-stdin",
        action="store_true",
        help="read the URL from standard input (keeps passwords out of shell history)",
    )


def _field_arguments(parser) -> None:
    parser.add_argument("--file-store", dest="file_store_path", help="path of the ERP's file store")
    parser.add_argument(
        "--erp-server", dest="erp_server_url", help="the ERP server's URL, e.g. http://erp:8000/"
    )
    parser.add_argument("--host", dest="host_name", help="host name of the ERP server")
    parser.add_argument(
        "--env", dest="environment", choices=["production", "staging", "test"], default=None
    )
    parser.add_argument("--rpo", dest="rpo_minutes", type=int, help="RPO target in minutes")
    parser.add_argument("--rto", dest="rto_minutes", type=int, help="RTO target in minutes")
    parser.add_argument("--description")
    parser.add_argument(
        "--window",
        action="append",
        dest="windows",
        metavar="'DAY HH:MM DURATION [TZ]'",
        help="maintenance window, repeatable, e.g. 'sun 02:00 4h Asia/Shanghai'",
    )


def _read_url(args) -> str | None:
    if getattr(args, "db_url_stdin", False):
        return sys.stdin.readline().strip()
    return args.db_url


def _fields(args) -> dict:
    names = (
        "file_store_path",
        "erp_server_url",
        "host_name",
        "environment",
        "rpo_minutes",
        "rto_minutes",
    )
    fields = {name: getattr(args, name) for name in (*names, "description")}
    return {key: value for key, value in fields.items() if value is not None}


def find_target(name: str):
    """The target by name (or id); a one-line not-found error otherwise. Every command that
    takes a target uses this one."""
    try:
        return get_target(name)
    except Target.DoesNotExist:
        raise CommandError(f"no target named {name!r}", EXIT_NOT_FOUND, "not_found") from None


def handle_add(args) -> int:
    fields = _fields(args)
    fields.setdefault("environment", "production")
    try:
        target = services.add_target(
            name=args.name,
            database_url=_read_url(args),
            kind=args.kind,
            windows=args.windows,
            verify=not args.no_check,
            **fields,
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    except services.TargetCheckFailed as exc:
        raise CommandError(
            f"target not added: {exc.result.error}", EXIT_FAILED, exc.result.error_code
        ) from None
    emit(
        args, describe_target(target), f"added target {target.name} ({target.database_url_masked})"
    )
    return 0


def handle_update(args) -> int:
    target = find_target(args.name)
    fields = _fields(args)
    if args.rename:
        fields["name"] = args.rename
    windows = [] if args.clear_windows else args.windows
    try:
        services.update_target(target, database_url=_read_url(args), windows=windows, **fields)
    except ValidationError as exc:
        raise validation_error(exc) from None
    emit(args, describe_target(target), f"updated target {target.name}")
    return 0


def handle_list(args) -> int:
    rows = [_summary(t) for t in Target.objects.all()]
    columns = [
        "name",
        "kind",
        "environment",
        "database",
        "reachable",
        "erp_version",
        "last_checked",
    ]
    emit(args, rows, table(rows, columns))
    return 0


def handle_show(args) -> int:
    target = find_target(args.name)
    emit(args, describe_target(target))
    return 0


def handle_check(args) -> int:
    target = find_target(args.name)
    result = check_target(target)
    if not result.ok:
        if args.json:
            emit(args, result.as_dict())
            return EXIT_FAILED
        raise CommandError(f"{target.name}: {result.error}", EXIT_FAILED, result.error_code)
    emit(args, result.as_dict(), format_facts(target.name, result.facts))
    return 0


def handle_remove(args) -> int:
    target = find_target(args.name)
    if not args.yes:
        _confirm_removal(target, args.delete_backups)
    try:
        summary = remove_target(target, delete_backups=args.delete_backups)
    except TargetRemovalFailed as exc:
        raise CommandError(str(exc), EXIT_FAILED, "not_removed") from None
    emit(args, summary, _removal_text(summary))
    return 0


def _confirm_removal(target, delete_backups: bool) -> None:
    if not sys.stdin.isatty():
        raise CommandError("refusing to remove without --yes (no terminal to ask)", EXIT_USAGE)
    # The reverse relation of backups' Backup.target: counted without importing that app.
    held = target.backups.filter(status="succeeded").count()
    fate = "DELETED" if delete_backups else "kept (without --delete-backups)"
    answer = input(
        f"Remove target {target.name}? The ERP itself is not touched; its {held} backups "
        f"will be {fate}. [y/N] "
    )
    if answer.strip().lower() not in {"y", "yes"}:
        raise CommandError("not removed", EXIT_FAILED, "aborted")


def _removal_text(summary: dict) -> str:
    text = f"removed target {summary['removed']}"
    if summary.get("backups_deleted"):
        text += f"; deleted {summary['backups_deleted']} backups"
    if summary.get("backups_kept"):
        text += (
            f"; kept {summary['backups_kept']} backups "
            "(erpkeeper backup list, erpkeeper restore ID --to URL)"
        )
    return text


def _summary(target) -> dict:
    facts = target.facts or {}
    return {
        "id": target.pk,
        "name": target.name,
        "kind": target.kind,
        "environment": target.environment,
        "database": target.database_url_masked,
        "reachable": {True: "yes", False: "no", None: "unknown"}[target.last_check_ok],
        "erp_version": facts.get("erp_version", ""),
        "last_checked": target.last_checked.isoformat(timespec="seconds")
        if target.last_checked
        else "",
    }


def describe_target(target) -> dict:
    data = _summary(target)
    data.update(
        file_store_path=target.file_store_path,
        erp_server_url=target.erp_server_url,
        host_name=target.host_name,
        rpo_minutes=target.rpo_minutes,
        rto_minutes=target.rto_minutes,
        description=target.description,
        maintenance_windows=[str(w) for w in target.maintenance_windows.all()],
        last_check_error=target.last_check_error,
        facts=target.facts,
    )
    return data


def format_facts(name: str, facts: dict) -> str:
    counts = facts.get("counts", {})
    size_mb = (facts.get("db_size_bytes") or 0) / 1_000_000
    lines = [
        f"{name}: reachable",
        f"  ERP:       {facts.get('erp_kind', '')} {facts.get('erp_version', '')}",
        f"  database:  {facts.get('db_engine', '')} {facts.get('db_engine_version', '')}, "
        f"{size_mb:.1f} MB",
        f"  modules:   {len(facts.get('modules', []))} active "
        f"({', '.join(sorted(facts.get('modules', []))[:12])}"
        f"{', ...' if len(facts.get('modules', [])) > 12 else ''})",
        "  counts:    " + ", ".join(f"{key} {value}" for key, value in counts.items()),
    ]
    return "\n".join(lines)
