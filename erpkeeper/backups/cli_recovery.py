"""``erpkeeper restore BACKUP --to URL [--replace]``; ``erpkeeper drill run|list|show|report``."""

from __future__ import annotations

import sys

from erpkeeper.backups.cli import find_backup, find_target, start_or_queue
from erpkeeper.lib.cli import EXIT_NOT_FOUND, CommandError, emit, table


def register(sub) -> None:
    restore = sub.add_parser(
        "restore", help="restore a backup into a new database (default) or over the original"
    )
    restore.add_argument("backup", type=int, help="backup id (see: erpkeeper backup list)")
    where = restore.add_mutually_exclusive_group()
    where.add_argument("--to", metavar="URL", help="database to restore into (default: new)")
    where.add_argument(
        "--to-stdin", action="store_true", help="read the URL from stdin (keeps passwords private)"
    )
    restore.add_argument(
        "--replace",
        action="store_true",
        help="replace an existing database; over the live one a safety backup is taken first",
    )
    restore.add_argument("--files-to", metavar="DIR", help="also restore the file store here")
    _no_wait(restore)
    restore.set_defaults(handler=handle_restore)

    drill = sub.add_parser("drill", help="disaster-recovery drills: run, list, show, report")
    actions = drill.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    run = actions.add_parser("run", help="restore the newest backup into scratch and check it")
    run.add_argument("target")
    _no_wait(run)
    run.set_defaults(handler=handle_drill_run)
    listing = actions.add_parser("list", help="drills, newest first")
    listing.add_argument("target", nargs="?")
    listing.set_defaults(handler=handle_drill_list)
    show = actions.add_parser("show", help="a drill's checks and measurements")
    show.add_argument("id", type=int)
    show.set_defaults(handler=handle_drill_show)
    report = actions.add_parser("report", help="write the drill's HTML report (evidence)")
    report.add_argument("id", type=int)
    report.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    report.set_defaults(handler=handle_drill_report)


def _no_wait(parser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="queue for the worker and return")


def handle_restore(args) -> int:
    from erpkeeper.backups import services
    from erpkeeper.backups.services.restore import check_restore_request, target_at
    from erpkeeper.core.jobs import enqueue
    from erpkeeper.core.jobs_cli import _actor
    from erpkeeper.lib import crypto, dburl
    from erpkeeper.lib.cli import EXIT_FAILED

    backup = find_backup(args.backup)
    to_url = sys.stdin.readline().strip() if args.to_stdin else (args.to or "")
    try:
        # --replace is the confirmation on the command line (the console asks for the name):
        # the name of the target whose database the URL names, never a guess.
        owner = target_at(to_url) if args.replace and to_url else None
        confirm = owner.name if owner is not None else ""
        plan = check_restore_request(backup, to_url, args.replace, confirm, args.files_to or "")
    except (services.RestoreRefused, dburl.DatabaseUrlError) as exc:
        raise CommandError(str(exc), EXIT_FAILED, "refused") from None
    params = {
        "backup_id": backup.pk,
        "to_url_encrypted": crypto.encrypt(plan.url),
        "to_url_masked": plan.destination.masked(),
        "replace": args.replace,
        "confirm_name": confirm,
        "files_to": args.files_to or "",
    }
    job = enqueue("backup.restore", target=backup.target, params=params, requested_by=_actor())
    if not args.json:
        print(f"restoring backup {backup.pk} into {plan.destination.masked()}", file=sys.stderr)
    return start_or_queue(args, job)


def handle_drill_run(args) -> int:
    from erpkeeper.core.jobs import enqueue
    from erpkeeper.core.jobs_cli import _actor

    job = enqueue(
        "backup.drill", target=find_target(args.target), requested_by=_actor(), reuse_active=True
    )
    return start_or_queue(args, job)


def handle_drill_list(args) -> int:
    from erpkeeper.backups.models import Drill

    queryset = Drill.objects.all()
    if args.target:
        queryset = queryset.filter(target_name=find_target(args.target).name)
    rows = [drill_row(drill) for drill in queryset[:30]]
    emit(args, rows, table(rows, ["id", "target", "started", "status", "rto", "rpo", "backup"]))
    return 0


def handle_drill_show(args) -> int:
    drill = _find_drill(args.id)
    data = drill_row(drill)
    data.update(error=drill.error, checks=drill.checks)
    lines = [
        f"drill {drill.pk}  {drill.target_name}  {drill.status}  {data['started']}",
        f"  RTO {data['rto']}",
        f"  RPO {data['rpo']}",
    ]
    if drill.error:
        lines.append(f"  error: {drill.error}")
    for check in drill.checks:
        mark = "ok  " if check["passed"] else "FAIL"
        lines.append(f"  [{mark}] {check['name']}: {check['detail']}")
    emit(args, data, "\n".join(lines))
    return 0


def handle_drill_report(args) -> int:
    drill = _find_drill(args.id)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(drill.report_html)
        emit(args, {"written": args.output}, f"report written to {args.output}")
    else:
        sys.stdout.write(drill.report_html)
    return 0


def drill_row(drill) -> dict:
    from erpkeeper.backups.services.drills import format_duration

    def versus(measured, objective, met):
        mark = {True: "met", False: "MISSED", None: ""}[met]
        return f"{format_duration(measured)} / {format_duration(objective)} {mark}".strip()

    return {
        "id": drill.pk,
        "target": drill.target_name,
        "started": drill.started.isoformat(timespec="seconds"),
        "status": drill.status,
        "rto": versus(drill.rto_seconds, drill.rto_target_seconds, drill.rto_met),
        "rpo": versus(drill.rpo_seconds, drill.rpo_target_seconds, drill.rpo_met),
        "backup": drill.backup_id or "",
    }


def _find_drill(drill_id: int):
    from erpkeeper.backups.models import Drill

    drill = Drill.objects.filter(pk=drill_id).first()
    if drill is None:
        raise CommandError(f"no drill with id {drill_id}", EXIT_NOT_FOUND, "not_found")
    return drill
