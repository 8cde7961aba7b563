"""The code health of a target's custom ERP modules: the folders it names, the review run
(a CodeReview row with one CodeModule per Tryton module), the trend over time and the
difference to the previous review.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from erpkeeper.core.jobs.services import JobRequest, enqueue_once
from erpkeeper.core.runs import RunStatus
from erpkeeper.performance.codehealth.review import COUNTS, review_folders
from erpkeeper.performance.models import CodeFolder, CodeModule, CodeReview
from erpkeeper.targets.models import Target

logger = logging.getLogger(__name__)

CODE_REVIEW = "performance.code_review"
WORST_LISTED = 10


class CodeReviewFailed(Exception):
    """No module could be reviewed; the run's error and notes say why."""


def add_code_folder(target, path: str) -> CodeFolder:
    """Name a folder of ``target``'s custom modules on this host. The folder must exist and be
    readable now (a later review notes it when it is gone)."""
    return CodeFolder.objects.create(target=target, path=check_code_folder(target, path))


def check_code_folder(target, path: str) -> str:
    """The folder as it will be stored, or a ValidationError on ``path`` saying what is wrong:
    not absolute, missing, a file, unreadable, or named already."""
    path = (path or "").strip()
    problem = _path_problem(path)
    if problem:
        raise ValidationError({"path": problem})
    path = os.path.normpath(path)
    if CodeFolder.objects.filter(target=target, path=path).exists():
        raise ValidationError(
            {"path": _("%(path)s is already a module folder of this target.") % {"path": path}}
        )
    return path


def _path_problem(path: str) -> str:
    if not path:
        return _("Give the folder of the custom modules.")
    folder = Path(path)
    if not folder.is_absolute():
        return _("%(path)s is not an absolute path.") % {"path": path}
    if not folder.exists():
        return _("%(path)s does not exist.") % {"path": path}
    if not folder.is_dir():
        return _("%(path)s is a file, not a folder.") % {"path": path}
    if not os.access(folder, os.R_OK | os.X_OK):
        return _("%(path)s cannot be read (permission denied).") % {"path": path}
    if not _under_code_roots(folder):
        return _(
            "%(path)s is outside the folders the code review may read (%(roots)s); an "
            "administrator sets them with ERPKEEPER_CODE_ROOTS."
        ) % {"path": path, "roots": ", ".join(settings.CODE_ROOTS) or "-"}
    return ""


def _under_code_roots(folder: Path) -> bool:
    """The review shows file names and repeated lines of what it reads: only folders under an
    allowed root (symbolic links resolved, so a link cannot lead out of them)."""
    real = folder.resolve()
    return any(real.is_relative_to(Path(root).resolve()) for root in settings.CODE_ROOTS)


def remove_code_folder(folder: CodeFolder) -> None:
    folder.delete()


def targets_with_code_folders():
    """The targets the weekly review covers: those that name module folders."""
    return Target.objects.filter(code_folders__isnull=False).distinct()


def request_code_review(target, requested_by=None) -> JobRequest:
    """Review ``target``'s custom modules now (a job; one at a time per target)."""
    if not target.code_folders.exists():
        raise ValidationError(
            {
                "target": _(
                    "%(target)s names no custom module folders: add one first "
                    "(erpkeeper code folder add %(target)s /path/to/modules)."
                )
                % {"target": target.name}
            }
        )
    job, reused = enqueue_once(CODE_REVIEW, target=target, requested_by=requested_by)
    return JobRequest(job, reused)


def run_code_review(
    target, *, job=None, progress: Callable[[float, str], None] | None = None
) -> CodeReview:
    """Review every module under the target's folders now; the CodeReview row is the record.
    Raises CodeReviewFailed (after failing the row) when no module could be reviewed."""
    progress = progress or (lambda percent, message: None)
    folders = list(target.code_folders.values_list("path", flat=True))
    review = CodeReview.objects.create(
        target=target, target_name=target.name, job=job, folders=folders
    )
    progress(5, _("finding the modules"))
    try:
        found = review_folders(
            folders,
            time_limit=settings.CODE_REVIEW_TIME_LIMIT,
            min_confidence=settings.CODE_REVIEW_MIN_CONFIDENCE,
            progress=progress,
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the run, never a traceback for users
        logger.exception("code review of %s failed", target.name)
        CodeReview.fail_if_running(review.pk, _("The review stopped: %(error)s") % {"error": exc})
        raise CodeReviewFailed(str(exc)) from None
    _store(review, found)
    review.refresh_from_db()
    progress(100, _("done"))
    if review.status == RunStatus.FAILED:
        raise CodeReviewFailed(review.error)
    return review


def _store(review: CodeReview, found) -> None:
    with transaction.atomic():
        rows = [
            CodeModule(
                review=review,
                **{**asdict(module), "name": module.name[:100], "path": module.path[:500]},
            )
            for module in found.modules
        ]
        CodeModule.objects.bulk_create(rows)
    counts = dict.fromkeys(COUNTS, 0)
    for module in found.modules:
        for key, value in module.counts.items():
            counts[key] = counts.get(key, 0) + value
    worst = sorted(
        ({"module": m.name, **w} for m in found.modules for w in m.worst),
        key=lambda w: -w["complexity"],
    )[:WORST_LISTED]
    error = ""
    if not found.modules:
        error = _("No module could be reviewed; the notes say why.")
    CodeReview.settle_if_running(
        review.pk,
        RunStatus.FAILED if error else RunStatus.SUCCEEDED,
        error=error,
        modules_count=len(found.modules),
        score=_weighted_score(found.modules),
        counts=counts,
        worst=worst,
        notes=found.notes,
        tools=found.tools,
    )


def _weighted_score(modules) -> float | None:
    if not modules:
        return None
    weight = sum(max(m.lloc, 1) for m in modules)
    return round(sum(m.score * max(m.lloc, 1) for m in modules) / weight, 1)


def note_texts(review: CodeReview) -> list[str]:
    """The run's notes in the reader's language."""
    return [
        gettext(n["msgid"]) % n["params"] if n.get("params") else gettext(n["msgid"])
        for n in review.notes
    ]


def previous_review(review: CodeReview) -> CodeReview | None:
    return (
        CodeReview.objects.filter(
            target_name=review.target_name,
            status=RunStatus.SUCCEEDED,
            started__lt=review.started,
        )
        .order_by("-started")
        .first()
    )


def compare_to_previous(review: CodeReview) -> dict | None:
    """What changed since the previous succeeded review of the same target: the score, each
    count, and each module's score (a module new in this review has no change)."""
    before = previous_review(review)
    if before is None or review.score is None:
        return None
    modules_before = {m.name: m.score for m in before.modules.all()}
    return {
        "previous": before.pk,
        "previous_started": before.started,
        "score": round(review.score - (before.score or 0), 1),
        "counts": {
            key: review.counts.get(key, 0) - before.counts.get(key, 0)
            for key in COUNTS
            if review.counts.get(key, 0) != before.counts.get(key, 0)
        },
        "modules": {
            m.name: round(m.score - modules_before[m.name], 1)
            for m in review.modules.all()
            if m.name in modules_before
        },
    }


def score_trend(target_name: str, *, until=None, limit: int = 52) -> list[dict]:
    """The scores of the target's succeeded reviews, oldest first (a year of weekly runs)."""
    reviews = CodeReview.objects.filter(target_name=target_name, status=RunStatus.SUCCEEDED)
    if until is not None:
        reviews = reviews.filter(started__lte=until)
    newest = list(reviews.order_by("-started")[:limit])
    return [{"id": r.pk, "started": r.started, "score": r.score} for r in reversed(newest)]
