"""``erpkeeper security snapshot|snapshots|diff|conflicts|simulate|ruleset`` (and the commands
of cli_findings.py: accounts, findings, accept, check, check-runs).

A snapshot runs as a job in this process with a progress bar (no worker needed); --no-wait only
queues it. The other commands read the stored snapshots and never touch the ERP.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.lib.cli import (
    EXIT_FAILED,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    CommandError,
    emit,
    table,
    validation_text,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.security import services
from erpkeeper.security.cli_findings import register_actions as register_findings
from erpkeeper.security.cli_mitigations import register as register_mitigations
from erpkeeper.security.filters import AccessSnapshotFilterSet
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.security.services.conflict_export import export_conflicts
from erpkeeper.security.services.review_export import language_of
from erpkeeper.security.sod.rules import RuleSetError
from erpkeeper.targets.cli import find_target


def register(sub) -> None:
    security = sub.add_parser(
        "security",
        help="ERP access: snapshots, changes, SoD conflicts, simulation, rule sets, risky "
        "accounts, security checks",
    )
    actions = security.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    snapshot = actions.add_parser("snapshot", help="read a target's users, groups and rights now")
    snapshot.add_argument("target")
    snapshot.add_argument("--no-wait", action="store_true", help="queue for the worker and return")
    snapshot.set_defaults(handler=handle_snapshot)

    listing = actions.add_parser("snapshots", help="access snapshots, newest first")
    add_filter_arguments(listing, AccessSnapshotFilterSet, positional=("target",))
    listing.add_argument("--limit", type=int, default=30)
    listing.set_defaults(handler=handle_list)

    diff = actions.add_parser("diff", help="what changed between two snapshots of a target")
    diff.add_argument("target")
    diff.add_argument("--from", dest="from_id", type=int, metavar="ID")
    diff.add_argument("--to", dest="to_id", type=int, metavar="ID")
    diff.set_defaults(handler=handle_diff)

    conflicts = actions.add_parser("conflicts", help="SoD conflicts in the latest snapshot")
    conflicts.add_argument("target")
    conflicts.add_argument("--user", metavar="LOGIN", default="")
    conflicts.add_argument("--snapshot", type=int, metavar="ID")
    conflicts.add_argument("--pdf", metavar="FILE", help="write the evidence as a PDF")
    conflicts.set_defaults(handler=handle_conflicts)

    simulate = actions.add_parser("simulate", help="what a grant would add, before granting it")
    simulate.add_argument("target")
    simulate.add_argument("--user", metavar="LOGIN", required=True)
    what = simulate.add_mutually_exclusive_group(required=True)
    what.add_argument("--add-group", metavar="NAME", default="")
    what.add_argument("--add-role", metavar="NAME", default="")
    simulate.set_defaults(handler=handle_simulate)

    _register_ruleset(actions)
    register_findings(actions)
    register_mitigations(actions)


def _register_ruleset(actions) -> None:
    ruleset = actions.add_parser("ruleset", help="SoD rule sets: validate or load a YAML file")
    ruleset_actions = ruleset.add_subparsers(dest="ruleset_action", metavar="ACTION")
    ruleset_actions.required = True
    validate = ruleset_actions.add_parser("validate", help="check a rule set file")
    validate.add_argument("file")
    validate.set_defaults(handler=handle_ruleset_validate)
    load = ruleset_actions.add_parser("load", help="store a rule set file and make it active")
    load.add_argument("file")
    load.set_defaults(handler=handle_ruleset_load)


# -- handlers -----------------------------------------------------------------------------------


def handle_snapshot(args) -> int:
    asked = services.request_snapshot(find_target(args.target), requested_by=acting_user())
    if args.no_wait:
        emit(args, describe(asked.job, with_log=False), f"queued job {asked.job.pk}")
        return 0
    return run_here(args, asked.job)


def handle_list(args) -> int:
    queryset = filter_from_arguments(AccessSnapshotFilterSet, AccessSnapshot.objects.all(), args)
    rows = [snapshot_row(s) for s in queryset[: max(args.limit, 1)]]
    columns = ["id", "target", "started", "status", "users", "admins", "conflicts", "changes"]
    emit(args, rows, table(rows, columns))
    return 0


def snapshot_row(snapshot: AccessSnapshot) -> dict:
    return {
        "id": snapshot.pk,
        "target": snapshot.target_name,
        "started": snapshot.started.isoformat(timespec="seconds"),
        "status": snapshot.status,
        "users": snapshot.users,
        "admins": snapshot.administrators,
        "conflicts": snapshot.conflicts,
        "changes": snapshot.changes,
        "error": snapshot.error,
    }


def _snapshot(target, snapshot_id: int | None) -> AccessSnapshot:
    if snapshot_id is None:
        try:
            return services.latest_snapshot(target)
        except services.SnapshotMissing as exc:
            raise CommandError(str(exc), EXIT_NOT_FOUND, "not_found") from None
    snapshot = AccessSnapshot.objects.filter(
        pk=snapshot_id, target=target, status="succeeded"
    ).first()
    if snapshot is None:
        raise CommandError(
            f"no succeeded snapshot {snapshot_id} of {target.name}", EXIT_NOT_FOUND, "not_found"
        )
    return snapshot


def handle_diff(args) -> int:
    target = find_target(args.target)
    new = _snapshot(target, args.to_id)
    if args.from_id is not None:
        old = _snapshot(target, args.from_id)
    else:
        old = services.analysis.previous_snapshot(new)
        if old is None:
            raise CommandError(
                f"{target.name} has only one snapshot: nothing to compare",
                EXIT_NOT_FOUND,
                "not_found",
            )
    changes = services.diff_snapshots(old, new)
    emit(args, changes, format_diff(changes))
    return 0


def format_diff(changes: dict) -> str:
    lines = [
        f"snapshot {changes['from_snapshot']} ({changes['from'][:16]}) → "
        f"{changes['to_snapshot']} ({changes['to'][:16]}): {changes['important']} important"
    ]
    for entry in changes["users"]:
        for change in entry["changes"]:
            mark = "!" if change["important"] else " "
            lines.append(f"{mark} {entry['login']}: {services.change_text(change)}")
    for entry in changes["groups"]:
        for change in entry["changes"]:
            mark = "!" if change["important"] else " "
            lines.append(f"{mark} group {entry['group']}: {services.change_text(change)}")
    if len(lines) == 1:
        lines.append("  no change")
    return "\n".join(lines)


def handle_conflicts(args) -> int:
    target = find_target(args.target)
    snapshot = _snapshot(target, args.snapshot)
    wanted = [(fmt, path) for fmt, path in (("pdf", args.pdf), ("xlsx", args.xlsx)) if path]
    if wanted:
        return write_conflicts(args, snapshot, *wanted[0])
    try:
        report = services.conflicts_report(snapshot, login=args.user, entities=not args.user)
    except services.NoRuleSet as exc:
        raise CommandError(str(exc), EXIT_FAILED, "no_ruleset") from None
    if args.user and args.user not in _logins(snapshot):
        raise CommandError(
            f"no ERP user {args.user!r} in snapshot {snapshot.pk}", EXIT_NOT_FOUND, "not_found"
        )
    emit(args, report, format_conflicts(report))
    return 0


def write_conflicts(args, snapshot, fmt: str, path: str) -> int:
    """The conflict evidence (every conflict, its paths, the matrix, the trend) as a file."""
    try:
        body = export_conflicts(snapshot, fmt, language_of(acting_user()))
    except services.NoRuleSet as exc:
        raise CommandError(str(exc), EXIT_FAILED, "no_ruleset") from None
    except PdfUnavailable as exc:
        raise CommandError(str(exc), EXIT_FAILED, "pdf_unavailable") from None
    try:
        with open(path, "wb") as handle:
            handle.write(body)
    except OSError as exc:
        message = f"cannot write {path}: {exc.strerror or type(exc).__name__}"
        raise CommandError(message, EXIT_FAILED, "unwritable") from None
    # Not emit(): under --xlsx it would write the summary over the workbook.
    done = {"written": path, "bytes": len(body)}
    print(json.dumps(done) if args.json else f"conflicts of snapshot {snapshot.pk} in {path}")
    return 0


def _logins(snapshot) -> set[str]:
    return {user["login"] for user in snapshot.load().get("users", [])}


def via_text(via: list[dict]) -> str:
    parts = []
    for step in via:
        if "reason" in step:
            parts.append(
                {
                    "everyone": "a rule for everyone",
                    "default": "no rule: Tryton allows",
                    "open": "open to all",
                    "administrator": "administrator",
                }.get(step["reason"], step["reason"])
            )
            continue
        text = step["group"]
        if "inherited_from" in step:
            text += f" (inherited from {step['inherited_from']})"
        text += f" ← role {step['role']}" if "role" in step else " ← direct"
        if step.get("transient"):
            text += " (removed at the next role sync)"
        parts.append(text)
    return "; ".join(dict.fromkeys(parts))


def format_conflicts(report: dict) -> str:
    lines = [
        f"{report['target']} snapshot {report['snapshot']} ({report['taken'][:16]}), "
        f"rule set {report['ruleset']}: {len(report['conflicts'])} conflicts "
        + ", ".join(f"{k} {v}" for k, v in report["by_severity"].items() if v)
    ]
    for message in report["not_applicable"]:
        lines.append(f"  note: {message}")
    for conflict in report["conflicts"]:
        status = "" if conflict["status"] == "open" else f" [{conflict['status']}]"
        lines.append(
            f"{conflict['login']}  {conflict['risk']}  {conflict['severity']}{status}"
            + (f"  (mitigated: {conflict['mitigation']})" if conflict["mitigation"] else "")
        )
        for side in conflict["sides"]:
            for grant in side["grants"]:
                lines.append(
                    f"    {side['function']}: {grant['permission']} via {via_text(grant['via'])}"
                )
    for admin in report["administrators"]:
        lines.append(
            f"{admin['login']}  administrator: could perform all "
            f"{len(admin['risks'])} risks ({', '.join(admin['risks'])})"
        )
    for entity in report["roles"] + report["groups"]:
        lines.append(
            f"{entity['kind']} {entity['name']} is itself conflicting: {', '.join(entity['risks'])}"
        )
    return "\n".join(lines)


def handle_simulate(args) -> int:
    target = find_target(args.target)
    try:
        found = services.simulate_grant(
            target, args.user, add_group=args.add_group, add_role=args.add_role
        )
    except services.SnapshotMissing as exc:
        raise CommandError(str(exc), EXIT_NOT_FOUND, "not_found") from None
    except services.UnknownName as exc:
        raise CommandError(str(exc), EXIT_NOT_FOUND, "not_found") from None
    except services.NoRuleSet as exc:
        raise CommandError(str(exc), EXIT_FAILED, "no_ruleset") from None
    granted = args.add_group or f"role {args.add_role}"
    lines = [
        f"adding {granted} to {args.user} (snapshot {found['snapshot']}) would introduce "
        f"{len(found['introduced'])} risks"
    ]
    for conflict in found["introduced"]:
        lines.append(f"  {conflict['risk']}  {conflict['severity']}")
        for side in conflict["sides"]:
            for grant in side["grants"]:
                lines.append(
                    f"    {side['function']}: {grant['permission']} via {via_text(grant['via'])}"
                )
    if found["existing"]:
        lines.append(f"  already held: {', '.join(found['existing'])}")
    emit(args, found, "\n".join(lines))
    return 0


def _read_file(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read: {exc}", EXIT_USAGE, "unreadable") from None


def handle_ruleset_validate(args) -> int:
    text = _read_file(args.file)
    try:
        parsed = services.validate_ruleset_text(text, args.file)
    except RuleSetError as exc:
        raise CommandError("\n".join(exc.errors), EXIT_USAGE, "invalid") from None
    data = {
        "name": parsed.name,
        "version": parsed.version,
        "erp": parsed.erp,
        "functions": len(parsed.functions),
        "risks": len(parsed.risks),
    }
    emit(
        args,
        data,
        f"{args.file}: valid: {parsed.name} v{parsed.version}, "
        f"{len(parsed.functions)} functions, {len(parsed.risks)} risks",
    )
    return 0


def handle_ruleset_load(args) -> int:
    text = _read_file(args.file)
    try:
        row, created = services.load_ruleset(text, args.file)
    except ValidationError as exc:
        raise CommandError(validation_text(exc), EXIT_USAGE, "invalid") from None
    data = {"id": row.pk, "name": row.name, "version": row.version, "created": created}
    emit(args, data, f"{'loaded' if created else 'updated'} rule set {row.name} v{row.version}")
    return 0
