"""Controls: the builtin control set (YAML), edits, manual evidence uploads, exceptions and the
review tasks a framework update raises."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.governance.compliance.models import (
    Control,
    ControlException,
    ControlReview,
    Frequency,
    ManualEvidence,
    Requirement,
    ReviewStatus,
)

BUILTIN_CONTROLS = Path(__file__).resolve().parent.parent / "controls" / "builtin.yaml"
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


@dataclass
class ControlSetResult:
    created: int = 0
    updated: int = 0
    mapped: int = 0
    # "framework ref_id requirement ref_id" of mappings whose framework or requirement is not
    # loaded (a framework not loaded yet is normal: its mappings come when it is).
    unmatched: list[str] = field(default_factory=list)


def load_builtin_controls(path: Path = BUILTIN_CONTROLS) -> ControlSetResult:
    """Create or update the builtin controls and map them to the loaded frameworks' current
    requirements. Owners and manual evidence set by people are kept."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    index = _requirement_index()
    result = ControlSetResult()
    with transaction.atomic():
        for item in data["controls"]:
            _load_control(item, index, result)
    return result


def _requirement_index() -> dict[tuple[str, str], int]:
    rows = Requirement.objects.filter(retired=False).values_list(
        "framework__ref_id", "ref_id", "pk"
    )
    return {(framework, ref): pk for framework, ref, pk in rows}


def _load_control(item: dict, index, result: ControlSetResult) -> None:
    values = {
        "name_en": item["name"]["en"],
        "name_zh": item["name"]["zh"],
        "description_en": item["description"]["en"],
        "description_zh": item["description"]["zh"],
        "collectors": list(item.get("collectors") or []),
        "frequency": Frequency(item.get("frequency", Frequency.MONTHLY)),
        "builtin": True,
    }
    control = Control.objects.filter(ref=item["ref"]).first()
    if control is None:
        control = Control.objects.create(ref=item["ref"], **values)
        result.created += 1
    else:
        changed = [name for name, value in values.items() if getattr(control, name) != value]
        for name in changed:
            setattr(control, name, values[name])
        if changed:
            control.save()
            result.updated += 1
    wanted = []
    for framework, refs in (item.get("requirements") or {}).items():
        for ref in refs:
            pk = index.get((framework, str(ref)))
            if pk is None:
                result.unmatched.append(f"{framework} {ref}")
            else:
                wanted.append(pk)
    present = set(control.requirements.values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in present]
    if missing:
        control.requirements.add(*missing)
    result.mapped += len(wanted)


def set_requirements(control: Control, requirements) -> Control:
    control.requirements.set(requirements)
    return control


def add_manual_evidence(
    control: Control, *, name: str, content: bytes, valid_until: dt.date, note="", actor=None
) -> ManualEvidence:
    """A file that counts as evidence for ``control`` until ``valid_until`` (inclusive)."""
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    if valid_until < timezone.localdate():
        raise ValidationError({"valid_until": _("The expiry date is in the past.")})
    safe_name = Path(name).name[:255] or "evidence"
    evidence = ManualEvidence(
        control=control,
        file_name=safe_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        note=note,
        valid_until=valid_until,
        uploaded_by=actor,
    )
    evidence.file.save(safe_name, ContentFile(content), save=False)
    evidence.save()
    return evidence


def add_exception(control: Control, *, owner, reason: str, expires_on: dt.date) -> ControlException:
    """Accept ``control`` as not met until ``expires_on``: it is "not applicable" meanwhile."""
    problems = {}
    if owner is None:
        problems["owner"] = _("An exception needs an owner.")
    if not (reason or "").strip():
        problems["reason"] = _("Give the reason for the exception.")
    if expires_on < timezone.localdate():
        problems["expires_on"] = _("The expiry date is in the past.")
    if problems:
        raise ValidationError(problems)
    return ControlException.objects.create(
        control=control, owner=owner, reason=reason.strip(), expires_on=expires_on
    )


def resolve_review(review: ControlReview, *, actor=None, note: str = "") -> ControlReview:
    """Close a review task raised by a framework update."""
    if review.status == ReviewStatus.DONE:
        raise ValidationError(_("This review is already done."))
    review.status = ReviewStatus.DONE
    review.note = note
    review.resolved_by = actor
    review.resolved_at = timezone.now()
    review.save()
    return review
