"""``erpkeeper backup run|list|show|verify|prune|policy|runbook|key`` and
``erpkeeper backup destination add|list|check|remove``. Restores and drills: cli_recovery.py.

Long work runs as a job in this process with a progress bar (no worker needed); --no-wait only
queues it for the worker.
"""

from __future__ import annotations

import sys

from django.core.exceptions import ValidationError

from erpkeeper.backups.filters import BackupFilterSet
from erpkeeper.backups.models import Backup, Destination, RepositoryKind
from erpkeeper.backups.services import (
    apply_retention,
    check_destination,
    create_destination,
    policy_for,
    remove_destination,
    update_policy,
    usage_by_destination,
)
from erpkeeper.backups.services.keys import key_path, repository_key
from erpkeeper.backups.services.policies import EDITABLE_FIELDS
from erpkeeper.backups.services.requests import NotVerifiable, request_backup, request_verify
from erpkeeper.backups.services.runbook import build_runbook
from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    add_actions,
    emit,
    find_one,
    table,
    validation_text,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.lib.units import bytes_human
from erpkeeper.targets.cli import find_target


def register(sub) -> None:
    backup = sub.add_parser(
        "backup", help="backups: run, list, show, verify, policies, destinations"
    )
    actions = backup.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    run = actions.add_parser("run", help="back up a target now (progress shown)")
    run.add_argument("target")
    _no_wait(run)
    run.set_defaults(handler=handle_run)

    listing = actions.add_parser("list", help="backups, newest first")
    add_filter_arguments(listing, BackupFilterSet, positional=("target",))
    listing.add_argument("--limit", type=int, default=30)
    listing.set_defaults(handler=handle_list)

    show = actions.add_parser("show", help="a backup's manifest, artifacts and checks")
    show.add_argument("id", type=int)
    show.set_defaults(handler=handle_show)

    verify = actions.add_parser("verify", help="re-read checksums and prove decryptability")
    verify.add_argument("id", type=int)
    verify.add_argument(
        "--read-data",
        metavar="N%",
        help="restic backups: read this share of the repository's data (default 100%%)",
    )
    _no_wait(verify)
    verify.set_defaults(handler=handle_verify)

    prune = actions.add_parser("prune", help="apply the retention rules to a target now")
    prune.add_argument("target")
    prune.set_defaults(handler=handle_prune)

    policy = actions.add_parser("policy", help="show or change a target's backup policy")
    policy.add_argument("target")
    _policy_arguments(policy)
    policy.set_defaults(handler=handle_policy)

    runbook = actions.add_parser("runbook", help="the target's disaster-recovery runbook")
    runbook.add_argument("target")
    runbook.set_defaults(handler=handle_runbook)

    key = actions.add_parser("key", help="where the repository key is and its fingerprint")
    key.set_defaults(handler=handle_key)

    _register_destinations(actions)


def _no_wait(parser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="queue for the worker and return")


def _policy_arguments(parser) -> None:
    parser.add_argument("--schedule", metavar="auto|CRON", help="'auto' (off-peak) or a cron")
    parser.add_argument("--enable", dest="enabled", action="store_true", default=None)
    parser.add_argument("--disable", dest="enabled", action="store_false")
    parser.add_argument("--scope", metavar="LIST", help="comma list of: database,files,platform")
    for rule in ("last", "daily", "weekly", "monthly", "yearly"):
        parser.add_argument(f"--keep-{rule}", type=int, metavar="N", dest=f"keep_{rule}")
    parser.add_argument("--destination", metavar="NAME")
    parser.add_argument("--offsite", metavar="NAME", help="second destination, or 'none'")
    parser.add_argument(
        "--repository-kind",
        choices=[kind.value for kind in RepositoryKind],
        help="artifact (full backups, the default) or restic (deduplicated)",
    )
    parser.add_argument("--encrypt", dest="encrypt", action="store_true", default=None)
    parser.add_argument("--no-encrypt", dest="encrypt", action="store_false")
    parser.add_argument(
        "--compression-level", type=int, metavar="1-19", help="zstd level (new policies: 1)"
    )
    parser.add_argument("--parallel-jobs", type=int, metavar="N")
    parser.add_argument("--verify-cron", metavar="CRON", help="empty string turns it off")
    parser.add_argument("--drill-cron", metavar="CRON", help="empty string turns drills off")


def _register_destinations(actions) -> None:
    destination = actions.add_parser("destination", help="where backups are stored")
    dest_actions = destination.add_subparsers(dest="dest_action", metavar="ACTION")
    dest_actions.required = True
    add = dest_actions.add_parser("add", help="a local directory or an S3-compatible bucket")
    add.add_argument("name")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--path", help="absolute directory (local)")
    where.add_argument("--s3-bucket", metavar="BUCKET")
    add.add_argument("--s3-prefix", default="")
    add.add_argument("--s3-endpoint", default="", help="e.g. https://oss-cn-hangzhou.aliyuncs.com")
    add.add_argument("--s3-region", default="")
    add.add_argument("--s3-access-key-id", default="")
    add.add_argument(
        "--s3-secret-stdin", action="store_true", help="read the secret key from standard input"
    )
    add.set_defaults(handler=handle_destination_add)
    dest_actions.add_parser("list", help="destinations and storage used").set_defaults(
        handler=handle_destination_list
    )
    add_actions(
        dest_actions,
        (
            ("check", "write and remove a probe now", handle_destination_check),
            ("remove", "remove an unused destination", handle_destination_remove),
        ),
        "name",
    )


# -- handlers ---------------------------------------------------------------------------------


def handle_run(args) -> int:
    asked = request_backup(find_target(args.target), requested_by=acting_user())
    return start_or_queue(args, asked.job)


def handle_list(args) -> int:
    queryset = Backup.objects.select_related("destination")
    queryset = filter_from_arguments(BackupFilterSet, queryset, args)
    rows = [backup_row(b) for b in queryset[: max(args.limit, 1)]]
    columns = ["id", "target", "started", "trigger", "status", "stored", "verified", "destination"]
    emit(args, rows, table(rows, columns))
    return 0


def handle_show(args) -> int:
    backup = find_backup(args.id)
    data = backup_row(backup)
    data.update(
        location=backup.location,
        key_fingerprint=backup.key_fingerprint,
        error=backup.error,
        verify_error=backup.verify_error,
        copies=[
            {"destination": _name(c.destination), "status": c.status} for c in backup.copies.all()
        ],
        manifest=backup.manifest,
    )
    emit(args, data, _format_backup(data))
    return 0


def handle_verify(args) -> int:
    share = _percent(args.read_data) if args.read_data else None
    try:
        asked = request_verify(
            find_backup(args.id), requested_by=acting_user(), read_data_percent=share
        )
    except NotVerifiable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "conflict") from None
    return start_or_queue(args, asked.job)


def _percent(text: str) -> int:
    try:
        value = int(text.strip().rstrip("%"))
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        message = f"--read-data: give a share from 1% to 100%, not {text!r}"
        raise CommandError(message, EXIT_USAGE, "usage")
    return value


def handle_prune(args) -> int:
    pruned = apply_retention(find_target(args.target))
    emit(
        args,
        {"pruned": [b.pk for b in pruned]},
        f"removed {len(pruned)} backups"
        + (": " + ", ".join(str(b.pk) for b in pruned) if pruned else ""),
    )
    return 0


def handle_policy(args) -> int:
    policy = policy_for(find_target(args.target))
    changes = _policy_changes(args)
    if changes:
        try:
            update_policy(policy, **changes)
        except ValidationError as exc:
            raise CommandError(validation_text(exc), EXIT_USAGE, "invalid") from None
    data = policy_data(policy)
    emit(args, data)
    return 0


def handle_runbook(args) -> int:
    book = build_runbook(find_target(args.target))
    emit(args, book.as_dict(), book.as_text())
    return 0


def handle_key(args) -> int:
    key = repository_key()
    data = {"path": str(key_path()), "fingerprint": key.fingerprint}
    emit(
        args,
        data,
        f"repository key: {data['path']}\nfingerprint:    {key.fingerprint}\n"
        "Keep a copy of this file offline: without it no encrypted backup can be restored.",
    )
    return 0


def handle_destination_add(args) -> int:
    if args.path:
        fields = {"kind": "local", "path": args.path}
    else:
        fields = {
            "kind": "s3",
            "bucket": args.s3_bucket,
            "prefix": args.s3_prefix,
            "endpoint_url": args.s3_endpoint,
            "region": args.s3_region,
            "access_key_id": args.s3_access_key_id,
        }
    secret = sys.stdin.readline().strip() if args.s3_secret_stdin else ""
    try:
        destination = create_destination(name=args.name, secret_access_key=secret, **fields)
    except ValidationError as exc:
        raise CommandError(validation_text(exc), EXIT_USAGE, "invalid") from None
    emit(args, destination_row(destination), f"added destination {destination.name}")
    return 0


def handle_destination_list(args) -> int:
    usage = {row["destination"]: row for row in usage_by_destination()}
    rows = []
    for destination in Destination.objects.all():
        row = destination_row(destination)
        row["backups"] = usage.get(destination.name, {}).get("backups", 0)
        row["used"] = bytes_human(usage.get(destination.name, {}).get("bytes", 0))
        rows.append(row)
    emit(args, rows, table(rows, ["name", "kind", "location", "backups", "used", "writable"]))
    return 0


def handle_destination_check(args) -> int:
    destination = find_destination(args.name)
    error = check_destination(destination)
    if error:
        raise CommandError(f"{destination.name}: {error}", EXIT_FAILED, "unwritable")
    emit(args, destination_row(destination), f"{destination.name}: writable")
    return 0


def handle_destination_remove(args) -> int:
    destination = find_destination(args.name)
    try:
        remove_destination(destination)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages), EXIT_FAILED, "in_use") from None
    emit(args, {"removed": args.name}, f"removed destination {args.name}")
    return 0


# -- helpers shared with cli_recovery ---------------------------------------------------------


def start_or_queue(args, job) -> int:
    if getattr(args, "no_wait", False):
        emit(args, describe(job, with_log=False), f"queued job {job.pk} ({job.kind})")
        return 0
    return run_here(args, job)


def find_backup(backup_id: int):
    return find_one(Backup.objects.select_related("destination", "target"), "backup", pk=backup_id)


def find_destination(name: str):
    return find_one(Destination.objects, "destination", name=name)


def backup_row(backup) -> dict:
    verified = {True: "ok", False: "FAILED", None: ""}[backup.verify_ok]
    return {
        "id": backup.pk,
        "target": backup.target_name,
        "started": backup.started.isoformat(timespec="seconds"),
        "trigger": backup.trigger,
        "status": backup.status,
        "stored": bytes_human(backup.stored_bytes),
        "raw": bytes_human(backup.raw_bytes),
        "verified": verified,
        "destination": _name(backup.destination),
        "repository_kind": backup.repository_kind,
        "snapshot_id": backup.snapshot_id,
        "added": bytes_human(backup.added_bytes),
    }


def destination_row(destination) -> dict:
    writable = {True: "yes", False: "NO", None: "?"}[destination.last_check_ok]
    return {
        "name": destination.name,
        "kind": destination.kind,
        "location": destination.location(),
        "writable": writable,
        "error": destination.last_check_error,
    }


def policy_data(policy) -> dict:
    data = {"target": policy.target.name, "backup_cron": policy.backup_cron()}
    for name in EDITABLE_FIELDS:
        value = getattr(policy, name)
        data[name] = getattr(value, "name", value)
    data["auto_hour_basis"] = policy.auto_hour_basis
    return data


def _policy_changes(args) -> dict:
    changes = {}
    if args.schedule is not None:
        if args.schedule == "auto":
            changes["schedule_mode"] = "auto"
        else:
            changes.update(schedule_mode="cron", cron=args.schedule)
    if args.scope is not None:
        parts = {part.strip() for part in args.scope.split(",") if part.strip()}
        unknown = parts - {"database", "files", "platform"}
        if unknown:
            raise CommandError(f"unknown scope {', '.join(sorted(unknown))}", EXIT_USAGE, "usage")
        changes.update(
            include_database="database" in parts,
            include_file_store="files" in parts,
            include_platform="platform" in parts,
        )
    if args.destination is not None:
        changes["destination"] = find_destination(args.destination)
    if args.offsite is not None:
        changes["offsite_destination"] = (
            None if args.offsite.lower() == "none" else find_destination(args.offsite)
        )
    for name in (
        "enabled",
        "repository_kind",
        "encrypt",
        "compression_level",
        "parallel_jobs",
        "verify_cron",
        "drill_cron",
        "keep_last",
        "keep_daily",
        "keep_weekly",
        "keep_monthly",
        "keep_yearly",
    ):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    if "drill_cron" in changes:
        changes["drill_enabled"] = bool(changes["drill_cron"])
    return changes


def _format_backup(data: dict) -> str:
    lines = [f"backup {data['id']}  {data['target']}  {data['status']}  {data['started']}"]
    for key in (
        "trigger",
        "destination",
        "location",
        "repository_kind",
        "snapshot_id",
        "added",
        "stored",
        "raw",
        "verified",
        "key_fingerprint",
        "error",
        "verify_error",
    ):
        if data.get(key):
            lines.append(f"  {key + ':':17}{data[key]}")
    for component in (data.get("manifest") or {}).get("components", []):
        rows = sum((component.get("row_counts") or {}).values())
        lines.append(
            f"  {component['component']} ({component['engine']}, "
            f"{component['engine_version']}): {rows} rows"
        )
        for artifact in component["artifacts"]:
            snapshot = f"  snapshot {artifact['snapshot']}" if artifact.get("snapshot") else ""
            lines.append(
                f"    {artifact['path']:40} {bytes_human(artifact['stored_bytes']):>10}"
                f"  sha256 {artifact['sha256'][:16]}…{snapshot}"
            )
    for copy in data.get("copies") or []:
        lines.append(f"  copy: {copy['destination']} {copy['status']}")
    return "\n".join(lines)


def _name(destination) -> str:
    return destination.name if destination is not None else "(removed)"
