"""``erpkeeper code review|show|reviews|folders|folder add|folder remove``: the code health of
a target's custom ERP modules.

A review runs as a job in this process with progress shown (no worker needed); --no-wait only
queues it for the worker.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.core.jobs.cli import describe, run_here
from erpkeeper.lib.cli import emit, find_one, table, validation_error
from erpkeeper.performance import services
from erpkeeper.performance.models import CodeFolder, CodeReview
from erpkeeper.targets.cli import find_target

COUNT_COLUMNS = [
    "complex_functions",
    "dead_code",
    "lint",
    "duplicate_lines",
    "large_functions",
    "n_plus_one",
    "commits",
    "sql_concat",
    "syntax_errors",
]


def register(sub) -> None:
    code = sub.add_parser("code", help="code health of the custom ERP modules")
    actions = code.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True

    review = actions.add_parser("review", help="review a target's custom modules now")
    review.add_argument("target")
    review.add_argument("--no-wait", action="store_true", help="queue for the worker and return")
    review.set_defaults(handler=handle_review)

    show = actions.add_parser("show", help="a review: modules, scores, worst functions, notes")
    show.add_argument("id", type=int)
    show.add_argument("--issues", action="store_true", help="also every issue found")
    show.set_defaults(handler=handle_show)

    reviews = actions.add_parser("reviews", help="reviews, newest first, with their scores")
    reviews.add_argument("target", nargs="?")
    reviews.add_argument("--limit", type=int, default=20)
    reviews.set_defaults(handler=handle_reviews)

    folders = actions.add_parser("folders", help="the module folders each target names")
    folders.add_argument("target", nargs="?")
    folders.set_defaults(handler=handle_folders)

    folder = actions.add_parser("folder", help="add or remove a module folder")
    folder_actions = folder.add_subparsers(dest="folder_action", metavar="ACTION")
    folder_actions.required = True
    for name, text, handler in (
        ("add", "name a folder of the target's custom modules (on this host)", handle_add),
        ("remove", "stop reviewing a folder", handle_remove),
    ):
        parser = folder_actions.add_parser(name, help=text)
        parser.add_argument("target")
        parser.add_argument("path")
        parser.set_defaults(handler=handler)


def handle_review(args) -> int:
    target = find_target(args.target)
    try:
        asked = services.request_code_review(target, requested_by=acting_user())
    except ValidationError as exc:
        raise validation_error(exc) from None
    if args.no_wait:
        emit(args, describe(asked.job, with_log=False), f"queued job {asked.job.pk}")
        return 0
    return run_here(args, asked.job)


def handle_show(args) -> int:
    review = find_one(CodeReview.objects, "code review", pk=args.id)
    data = review_data(review, issues=args.issues)
    emit(args, data, _show_text(data))
    return 0


def review_data(review: CodeReview, *, issues: bool = False) -> dict:
    modules = []
    for module in review.modules.all():
        row = {
            "name": module.name,
            "path": module.path,
            "score": module.score,
            "files": module.files,
            "lines": module.lines,
            "functions": module.functions,
            "maintainability": module.maintainability,
            **module.counts,
            "worst": module.worst,
            "largest_files": module.largest_files,
        }
        if issues:
            row["issues"] = module.issues
        modules.append(row)
    return {
        "id": review.pk,
        "target": review.target_name,
        "status": review.status,
        "started": review.started.isoformat(),
        "error": review.error,
        "score": review.score,
        "change": _change(review),
        "counts": review.counts,
        "modules": modules,
        "worst": review.worst,
        "notes": services.note_texts(review),
        "tools": review.tools,
    }


def _change(review: CodeReview) -> dict | None:
    change = services.compare_to_previous(review)
    if change is not None:
        change["previous_started"] = change["previous_started"].isoformat()
    return change


def _show_text(data: dict) -> str:
    change = data["change"]
    since = f" ({change['score']:+g} since #{change['previous']})" if change else ""
    lines = [
        f"code review {data['id']} of {data['target']}: {data['status']}, "
        f"score {data['score'] if data['score'] is not None else '-'}{since}",
    ]
    if data["error"]:
        lines.append(data["error"])
    lines += ["", table(data["modules"], ["name", "score", "files", "lines", *COUNT_COLUMNS])]
    if data["worst"]:
        worst = [{**w, "where": f"{w['module']}/{w['file']}:{w['line']}"} for w in data["worst"]]
        lines += ["", "worst functions:", table(worst, ["where", "function", "complexity"])]
    if data["notes"]:
        lines += ["", "notes:", *(f"- {text}" for text in data["notes"])]
    return "\n".join(lines)


def handle_reviews(args) -> int:
    found = CodeReview.objects.all()
    if args.target:
        found = found.filter(target_name=find_target(args.target).name)
    rows = [
        {
            "id": r.pk,
            "target": r.target_name,
            "started": r.started.isoformat(timespec="minutes"),
            "status": r.status,
            "modules": r.modules_count,
            "score": r.score,
        }
        for r in found[: max(args.limit, 1)]
    ]
    emit(args, rows, table(rows, ["id", "target", "started", "status", "modules", "score"]))
    return 0


def handle_folders(args) -> int:
    found = CodeFolder.objects.select_related("target")
    if args.target:
        found = found.filter(target=find_target(args.target))
    rows = [{"id": f.pk, "target": f.target.name, "path": f.path} for f in found]
    emit(args, rows, table(rows, ["id", "target", "path"]))
    return 0


def handle_add(args) -> int:
    target = find_target(args.target)
    try:
        folder = services.add_code_folder(target, args.path)
    except ValidationError as exc:
        raise validation_error(exc) from None
    row = {"id": folder.pk, "target": target.name, "path": folder.path}
    emit(args, row, f"{target.name}: modules under {folder.path} will be reviewed")
    return 0


def handle_remove(args) -> int:
    target = find_target(args.target)
    folder = find_one(CodeFolder.objects.filter(target=target), "module folder", path=args.path)
    services.remove_code_folder(folder)
    emit(args, {"removed": folder.path}, f"{target.name}: {args.path} no longer reviewed")
    return 0
