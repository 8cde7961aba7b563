"""``erpkeeper restore BACKUP --to URL [--replace]``, ``erpkeeper restore list|show``;
``erpkeeper drill run|list|show|report``."""

from __future__ import annotations

import contextlib
import io
import sys

from erpkeeper.backups import services
from erpkeeper.backups.cli import find_backup, start_or_queue
from erpkeeper.backups.filters import DrillFilterSet, RestoreFilterSet
from erpkeeper.backups.models import Drill, Restore
from erpkeeper.backups.services.drills import language_of, render_report, report_pdf
from erpkeeper.backups.services.requests import request_drill, request_restore
from erpkeeper.backups.services.restore import target_at
from erpkeeper.core.audit import acting_user
from erpkeeper.core.runs import RunStatus
from erpkeeper.lib import dburl
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    table,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments, filter_queryset
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.lib.units import duration_short
from erpkeeper.targets.cli import find_target

REPORT_LANGUAGES = ("en", "zh-hans")


def register(sub) -> None:
    restore = sub.add_parser(
        "restore", help="restore a backup into a new database (default) or over the original"
    )
    # "restore 42" restores; "restore list" and "restore show ID" read the restores done.
    restore.add_argument(
        "backup",
        metavar="BACKUP|list|show",
        help="backup id to restore (see: erpkeeper backup list); 'list' or 'show ID' for restores",
    )
    restore.add_argument("id", nargs="?", type=int, help="with show: the restore's id")
    restore.add_argument("--target", metavar="NAME", help="with list: restores of its backups")
    restore.add_argument("--limit", type=int, default=30, help="with list: at most N (30)")
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
    restore.set_defaults(handler=handle_restore_command)

    drill = sub.add_parser("drill", help="disaster-recovery drills: run, list, show, report")
    actions = drill.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    run = actions.add_parser("run", help="restore the newest backup into scratch and check it")
    run.add_argument("target")
    _no_wait(run)
    run.set_defaults(handler=handle_drill_run)
    listing = actions.add_parser("list", help="drills, newest first")
    add_filter_arguments(listing, DrillFilterSet, positional=("target",))
    listing.add_argument("--limit", type=int, default=30, help="at most N (30)")
    listing.set_defaults(handler=handle_drill_list)
    show = actions.add_parser("show", help="a drill's checks and measurements")
    show.add_argument("id", type=int)
    show.set_defaults(handler=handle_drill_show)
    report = actions.add_parser("report", help="write the drill's report, HTML or PDF (evidence)")
    report.add_argument("id", type=int)
    report.add_argument("-o", "--output", metavar="FILE", help="file to write (default: stdout)")
    report.add_argument(
        "--pdf", action="store_true", help="a PDF instead of HTML (also when FILE ends in .pdf)"
    )
    report.add_argument(
        "--language",
        choices=REPORT_LANGUAGES,
        help="language of the report (default: the --as user's, else the platform's)",
    )
    report.set_defaults(handler=handle_drill_report)


def _no_wait(parser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="queue for the worker and return")


def handle_restore_command(args) -> int:
    if args.backup == "list":
        return handle_restore_list(args)
    if args.backup == "show":
        if args.id is None:
            raise CommandError("restore show needs the restore's id", EXIT_USAGE, "usage")
        return handle_restore_show(args)
    if not args.backup.isdigit():
        raise CommandError(
            f"restore: {args.backup!r} is no backup id (nor list, show)", EXIT_USAGE, "usage"
        )
    return handle_restore(args)


def handle_restore(args) -> int:
    backup = find_backup(int(args.backup))
    to_url = sys.stdin.readline().strip() if args.to_stdin else (args.to or "")
    try:
        # --replace is the confirmation on the command line (the console asks for the name):
        # the name of the target whose database the URL names, never a guess.
        owner = target_at(to_url) if args.replace and to_url else None
        confirm = owner.name if owner is not None else ""
        asked = request_restore(
            backup,
            to_url,
            replace=args.replace,
            confirm=confirm,
            files_to=args.files_to or "",
            requested_by=acting_user(),
        )
    except (services.RestoreRefused, dburl.DatabaseUrlError) as exc:
        raise CommandError(str(exc), EXIT_FAILED, "refused") from None
    if not args.json:
        into = asked.job.params["to_url_masked"]
        print(f"restoring backup {backup.pk} into {into}", file=sys.stderr)
    return start_or_queue(args, asked.job)


def handle_restore_list(args) -> int:
    options = {"target": args.target}
    restores = filter_queryset(RestoreFilterSet, Restore.objects.select_related("backup"), options)
    rows = [restore_row(restore) for restore in restores[: max(args.limit, 1)]]
    columns = ["id", "backup", "target", "into", "replace", "status", "started", "warnings"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_restore_show(args) -> int:
    restore = find_one(Restore.objects.select_related("backup"), "restore", pk=args.id)
    data = restore_row(restore)
    data.update(
        warnings=list(restore.warnings or []),
        error=restore.error,
        safety_backup=restore.safety_backup_id,
        job=restore.job_id,
        finished=restore.finished.isoformat(timespec="seconds") if restore.finished else "",
    )
    emit(args, data, _format_restore(data))
    return 0


def restore_row(restore) -> dict:
    return {
        "id": restore.pk,
        "backup": restore.backup_id,
        "target": restore.backup.target_name,
        "into": restore.destination_masked,
        "replace": restore.replace,
        "status": restore.status,
        "started": restore.started.isoformat(timespec="seconds"),
        "warnings": len(restore.warnings or []),
    }


def _format_restore(data: dict) -> str:
    lines = [f"restore {data['id']}  {data['target']}  {data['status']}  {data['started']}"]
    for key in ("backup", "into", "replace", "safety_backup", "job", "finished", "error"):
        if data.get(key) not in (None, ""):
            lines.append(f"  {key + ':':15}{data[key]}")
    lines.extend(f"  warning: {warning}" for warning in data["warnings"])
    return "\n".join(lines)


def handle_drill_run(args) -> int:
    job = request_drill(find_target(args.target), requested_by=acting_user()).job
    if args.no_wait:
        return start_or_queue(args, job)
    # The job runner's own closing line says only "job N succeeded": the drill's verdict, RTO
    # and RPO are what the operator runs it for (the progress bar still shows on stderr).
    with contextlib.redirect_stdout(io.StringIO()):
        code = start_or_queue(args, job)
    return _drill_outcome(args, job, code)


def _drill_outcome(args, job, code: int) -> int:
    job.refresh_from_db()
    drill = Drill.objects.filter(job=job).order_by("-pk").first()
    if drill is None:  # the job failed before the drill began (or it runs elsewhere)
        reason = f": {job.error}" if job.error else ""
        emit(
            args,
            {"job": job.pk, "status": job.status, "error": job.error},
            f"job {job.pk} {job.status}{reason}",
        )
        return code or (0 if job.status == job.Status.SUCCEEDED else EXIT_FAILED)
    data = drill_row(drill)
    data.update(job=job.pk, error=drill.error, checks=drill.checks)
    lines = [f"drill {drill.pk} {drill.status}: RTO {data['rto']}; RPO {data['rpo']}"]
    if drill.error:
        lines.append(f"  {drill.error}")
    emit(args, data, "\n".join(lines))
    return 0 if drill.status == RunStatus.SUCCEEDED else EXIT_FAILED


def handle_drill_list(args) -> int:
    queryset = filter_from_arguments(DrillFilterSet, Drill.objects.all(), args)
    rows = [drill_row(drill) for drill in queryset[: max(args.limit, 1)]]
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
        mark = {True: "ok  ", False: "FAIL", None: "n/a "}[check["passed"]]
        lines.append(f"  [{mark}] {check['name']}: {check['detail']}")
    emit(args, data, "\n".join(lines))
    return 0


def handle_drill_report(args) -> int:
    drill = _find_drill(args.id)
    if not drill.report_html:
        raise CommandError(f"drill {drill.pk} has no report yet", EXIT_FAILED, "not_ready")
    language = args.language or language_of(acting_user())
    content = _report_content(drill, language, as_pdf=args.pdf or _is_pdf(args.output))
    if not args.output:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
        return 0
    try:
        with open(args.output, "wb") as handle:
            handle.write(content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise CommandError(
            f"cannot write the report to {args.output}: {reason}", EXIT_FAILED, "unwritable"
        ) from None
    emit(args, {"written": args.output}, f"report written to {args.output}")
    return 0


def _is_pdf(path: str | None) -> bool:
    return bool(path) and path.lower().endswith(".pdf")


def _report_content(drill, language: str, as_pdf: bool) -> bytes:
    if not as_pdf:
        return render_report(drill, language).encode("utf-8")
    try:
        return report_pdf(drill, language)
    except PdfUnavailable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "unavailable") from None


def drill_row(drill) -> dict:
    def versus(measured, objective, met):
        mark = {True: "met", False: "MISSED", None: ""}[met]
        return f"{duration_short(measured)} / {duration_short(objective)} {mark}".strip()

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
    return find_one(Drill.objects, "drill", pk=drill_id)
