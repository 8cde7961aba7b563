"""The change advisory board: who sits on it (the users of its roles), their votes, quorum.

A member's approval counts once; ``quorum`` approvals approve the change, one rejection rejects
it. An emergency change already started is approved after the fact: the vote clears its flag
and leaves its state alone. A change that requires a green CI run is not approved while its
latest run is red or missing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.changes.models import (
    AdvisoryBoard,
    Approval,
    ChangeRequest,
    ChangeState,
    Decision,
    PipelineStatus,
)
from erpkeeper.changes.services import notices
from erpkeeper.changes.services.requests import IllegalTransition
from erpkeeper.lib.roles import Role

DEFAULT_ROLES = [Role.MANAGER.value, Role.ADMINISTRATOR.value]
APPROVE_PERMISSION = "changes.approve_changerequest"


def board() -> AdvisoryBoard:
    """The board (made with managers and administrators, quorum 1, the first time)."""
    found = AdvisoryBoard.objects.order_by("pk").first()
    return found or AdvisoryBoard.objects.create(name="CAB", roles=DEFAULT_ROLES, quorum=1)


def member_role(user, cab: AdvisoryBoard | None = None) -> str | None:
    """The board role through which ``user`` sits on the board, or None."""
    if user is None or not user.is_active:
        return None
    roles = (cab or board()).roles
    names = set(user.groups.values_list("name", flat=True))
    for role in roles:
        if role in names:
            return role
    return Role.ADMINISTRATOR.value if user.is_superuser else None


def decide(change: ChangeRequest, user, decision: str, comment: str = "") -> ChangeRequest:
    """Record ``user``'s vote and apply the board's rule."""
    cab = board()
    role = member_role(user, cab)
    if role is None or not user.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(
            _("%(user)s does not sit on the change advisory board (roles: %(roles)s).")
            % {"user": user, "roles": ", ".join(cab.roles)}
        )
    after_fact = change.awaiting_approval_after_fact
    if change.state != ChangeState.SUBMITTED and not after_fact:
        raise IllegalTransition(
            _("Only a submitted change is approved or rejected. %(number)s is %(state)s.")
            % {"number": change.number, "state": change.get_state_display()}
        )
    if decision == Decision.APPROVE and change.requires_green_run:
        _require_green_run(change)
    with transaction.atomic():
        Approval.objects.update_or_create(
            change=change,
            approver=user,
            defaults={
                "role": role,
                "decision": decision,
                "comment": str(comment),
                "decided_at": timezone.now(),
                "after_the_fact": after_fact,
            },
        )
        _apply_rule(change, cab, decision, after_fact)
    return change


def approvals_needed(change: ChangeRequest) -> int:
    """How many more approvals the board's quorum needs."""
    given = change.approvals.filter(decision=Decision.APPROVE).count()
    return max(board().quorum - given, 0)


def latest_run(change: ChangeRequest):
    return change.pipeline_runs.order_by("-received", "-pk").first()


def _require_green_run(change: ChangeRequest) -> None:
    run = latest_run(change)
    if run is None:
        raise IllegalTransition(
            _("%(number)s requires a green CI run before approval, and has none yet.")
            % {"number": change.number}
        )
    if run.status != PipelineStatus.SUCCESS:
        raise IllegalTransition(
            _(
                "%(number)s requires a green CI run before approval; its latest run "
                "(%(repository)s %(branch)s) is %(status)s."
            )
            % {
                "number": change.number,
                "repository": run.repository,
                "branch": run.branch,
                "status": run.get_status_display(),
            }
        )


def _apply_rule(change: ChangeRequest, cab: AdvisoryBoard, decision: str, after_fact: bool):
    now = timezone.now()
    if decision == Decision.REJECT:
        if after_fact:
            change.awaiting_approval_after_fact = False
            change.review_issues = (
                change.review_issues + "\n" + _("The board rejected it after the fact.")
            ).strip()
        else:
            change.state = ChangeState.REJECTED
        change.decided_at = now
        change.save()
        notices.settle(change, notices.AFTER_THE_FACT if after_fact else notices.APPROVAL)
        return
    if approvals_needed(change) > 0:
        return
    if after_fact:
        change.awaiting_approval_after_fact = False
        notices.settle(change, notices.AFTER_THE_FACT)
    else:
        change.state = ChangeState.APPROVED
        notices.settle(change, notices.APPROVAL)
    change.decided_at = now
    change.save()
