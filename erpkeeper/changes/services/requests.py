"""Change requests from draft to closed. Every transition is one function here; an illegal one
raises ``IllegalTransition`` (the API answers 409 with its message), bad input
``ValidationError`` (400), a caller who may not ``PermissionDenied`` (403).

    draft ─submit─> submitted ─board─> approved ─schedule─> scheduled ─start─> in progress
                       │  (standard: approved at once)        │                  │
                       └─board─> rejected ─close─> closed      └ reschedule       complete
                       (emergency: may be scheduled and started before the board, flagged)
    in progress ─complete─> implemented | failed | backed out ─review─> reviewed ─close─> closed

Each function is one transaction, saved through the model (the audit trail records who did
what), and notifies through the outbox where people must act.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.changes.models import (
    ChangeRequest,
    ChangeState,
    ChangeTemplate,
    ChangeType,
    ChecklistItem,
    GoNoGo,
    Outcome,
)
from erpkeeper.changes.services import notices
from erpkeeper.changes.services.risk import score
from erpkeeper.servicedesk.services.numbers import save_with_number

EDITABLE = (
    "title",
    "description",
    "change_type",
    "affected_assets",
    "risk_answers",
    "implementation_plan",
    "test_plan",
    "backout_plan",
    "requires_green_run",
)
ENDED = (ChangeState.IMPLEMENTED, ChangeState.FAILED, ChangeState.BACKED_OUT)
ACTIVE = (ChangeState.SCHEDULED, ChangeState.IN_PROGRESS)


class IllegalTransition(Exception):
    """The change is not in a state that allows this step; the message says why."""


def create_change(
    *,
    title: str,
    requester=None,
    targets: Iterable = (),
    template: ChangeTemplate | None = None,
    checklist: Iterable[str] = (),
    **fields,
) -> ChangeRequest:
    """A new change in draft. A template makes it a standard change with the template's plans
    and checklist (fields given here win)."""
    change = ChangeRequest(requester=requester, template=template)
    if template is not None:
        _from_template(change, template)
        checklist = list(checklist) or list(template.checklist)
    _apply(change, {"title": title, **fields})
    with transaction.atomic():
        save_with_number(change, settings.CHANGES_PREFIX, timezone.now())
        change.targets.set(list(targets))
        for position, text in enumerate(checklist):
            if str(text).strip():
                ChecklistItem.objects.create(change=change, position=position, text=str(text))
    return change


def update_change(change: ChangeRequest, *, targets: Iterable | None = None, **fields):
    """Edit a draft (a submitted change is what the board sees: it is edited no more)."""
    _require(change, (ChangeState.DRAFT,), _("Only a draft can be edited."))
    _apply(change, fields)
    with transaction.atomic():
        change.save()
        if targets is not None:
            change.targets.set(list(targets))
    return change


def submit(change: ChangeRequest, actor=None) -> ChangeRequest:
    """Send a draft to the board; a standard change from an active template is approved at
    once (the board approved the template)."""
    _require(change, (ChangeState.DRAFT,), _("Only a draft can be submitted."))
    _complete_enough(change)
    now = timezone.now()
    change.submitted_at = now
    with transaction.atomic():
        if change.change_type == ChangeType.STANDARD:
            change.state = ChangeState.APPROVED
            change.decided_at = now
            change.save()
        else:
            change.state = ChangeState.SUBMITTED
            change.save()
            notices.notify(
                change,
                notices.APPROVAL,
                _("%(number)s waits for the change advisory board: %(title)s")
                % {"number": change.number, "title": change.title},
            )
    return change


def close(change: ChangeRequest, actor=None) -> ChangeRequest:
    _require(
        change,
        (ChangeState.REVIEWED, ChangeState.REJECTED),
        _("Only a reviewed or rejected change can be closed."),
    )
    change.state = ChangeState.CLOSED
    change.closed_at = timezone.now()
    change.save()
    return change


def start(change: ChangeRequest, actor=None, *, now=None) -> ChangeRequest:
    """Implementation begins. An emergency change may start before the board approved it: it
    stays flagged until the board approves after the fact."""
    allowed = [ChangeState.SCHEDULED]
    if change.change_type == ChangeType.EMERGENCY:
        allowed += [ChangeState.SUBMITTED, ChangeState.APPROVED]
    _require(change, allowed, _("Only a scheduled change can start."))
    with transaction.atomic():
        if change.state == ChangeState.SUBMITTED:
            change.awaiting_approval_after_fact = True
            notices.settle(change, notices.APPROVAL)
            notices.notify(
                change,
                notices.AFTER_THE_FACT,
                _("Emergency change %(number)s started before approval: the board must decide")
                % {"number": change.number},
            )
        change.state = ChangeState.IN_PROGRESS
        change.actual_start = now or timezone.now()
        change.save()
    return change


def complete(
    change: ChangeRequest, outcome: str, notes: str = "", actor=None, *, now=None
) -> ChangeRequest:
    """Implementation ended: implemented, failed or backed out (the review is due next)."""
    _require(change, (ChangeState.IN_PROGRESS,), _("Only a change in progress can complete."))
    if outcome not in Outcome.values:
        raise ValidationError(
            {"outcome": _("Choose one of: %(values)s.") % {"values": ", ".join(Outcome.values)}}
        )
    change.state = outcome
    change.outcome = outcome
    change.actual_end = now or timezone.now()
    change.implementation_notes = str(notes or change.implementation_notes)
    with transaction.atomic():
        change.save()
        notices.notify(
            change,
            notices.REVIEW,
            _("%(number)s ended %(outcome)s: review it")
            % {"number": change.number, "outcome": Outcome(outcome).label},
        )
    return change


def review(
    change: ChangeRequest, *, success: bool, issues: str = "", lessons: str = "", actor=None
) -> ChangeRequest:
    """The post-implementation review: did it succeed, what went wrong, what we learned."""
    _require(change, ENDED, _("Only an implemented, failed or backed-out change is reviewed."))
    change.state = ChangeState.REVIEWED
    change.review_success = bool(success)
    change.review_issues = str(issues)
    change.review_lessons = str(lessons)
    change.reviewed_at = timezone.now()
    change.reviewed_by = actor
    with transaction.atomic():
        change.save()
        notices.settle(change, notices.REVIEW)
    return change


def tick(item: ChecklistItem, done: bool, actor=None) -> ChecklistItem:
    """Tick a checklist step off (or again on), with who and when."""
    _require(
        item.change,
        (ChangeState.APPROVED, ChangeState.SCHEDULED, ChangeState.IN_PROGRESS, *ENDED),
        _("The checklist is worked through once the change is approved."),
    )
    item.done = bool(done)
    item.done_by = actor if done else None
    item.done_at = timezone.now() if done else None
    item.save()
    return item


def record_go_no_go(change: ChangeRequest, verdict: str, note: str = "") -> ChangeRequest:
    """The verdict of an upgrade rehearsal or a patch plan, recorded on its change."""
    if verdict not in GoNoGo.values:
        raise ValidationError({"go_no_go": _("Choose go or no_go.")})
    change.go_no_go = verdict
    change.go_no_go_note = str(note)
    change.go_no_go_at = timezone.now() if verdict else None
    change.save()
    return change


def _require(change: ChangeRequest, states, message: str) -> None:
    if change.state not in states:
        raise IllegalTransition(
            _("%(message)s %(number)s is %(state)s.")
            % {"message": message, "number": change.number, "state": change.get_state_display()}
        )


def _complete_enough(change: ChangeRequest) -> None:
    errors = {}
    if not change.targets.exists():
        errors["targets"] = [_("Name at least one affected target.")]
    if change.change_type != ChangeType.EMERGENCY and not change.backout_plan.strip():
        errors["backout_plan"] = [_("Say how the change is backed out.")]
    if change.change_type == ChangeType.STANDARD and (
        change.template is None or not change.template.active
    ):
        errors["template"] = [_("A standard change comes from an active template.")]
    if errors:
        raise ValidationError(errors)


def _from_template(change: ChangeRequest, template: ChangeTemplate) -> None:
    change.change_type = ChangeType.STANDARD
    change.implementation_plan = template.implementation_plan
    change.test_plan = template.test_plan
    change.backout_plan = template.backout_plan
    change.description = template.description
    change.risk_answers = dict(template.risk_answers)


def _apply(change: ChangeRequest, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationError({key: _("Unknown field.") for key in sorted(unknown)})
    for key, value in fields.items():
        if value is not None:
            setattr(change, key, value.strip() if isinstance(value, str) else value)
    change.risk_score, change.risk_level = score(change.risk_answers)
    change.full_clean(exclude=["number", "template", "requester"], validate_unique=False)
