"""A change from draft to closed through the services: the board and its quorum, standard and
emergency changes, scheduling inside windows, blackouts and conflicts, and the notices."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from erpkeeper.changes import services
from erpkeeper.changes.models import (
    AdvisoryBoard,
    BlackoutWindow,
    ChangeState,
    ChangeTemplate,
    ChangeType,
    RiskLevel,
)
from erpkeeper.core.models import OutboxMessage
from tests.changes.conftest import new_change, window_opening


def test_a_normal_change_goes_from_draft_to_closed(olga, mark, shop):
    change = new_change(olga, [shop], checklist=["Announce downtime"])
    assert change.number.startswith("CHG-") and change.state == ChangeState.DRAFT
    services.submit(change, olga)
    services.decide(change, mark, "approve")
    opens = window_opening()
    services.schedule(change, opens, opens + dt.timedelta(hours=2), olga)
    services.tick(change.checklist.get(), True, olga)
    services.start(change, olga, now=opens)
    services.complete(
        change, "implemented", "took 40 minutes", olga, now=opens + dt.timedelta(hours=1)
    )
    services.review(change, success=True, lessons="Announce a day earlier.", actor=olga)
    services.close(change, olga)

    change.refresh_from_db()
    assert change.state == ChangeState.CLOSED
    assert change.outcome == "implemented" and change.review_success is True
    assert change.checklist.get().done_by == olga
    assert change.approvals.get().approver == mark


def test_the_risk_questionnaire_scores_the_change(olga, shop):
    calm = new_change(olga, [shop])
    unanswered = new_change(olga, [shop], risk_answers={})
    assert (calm.risk_score, calm.risk_level) == (5, RiskLevel.MEDIUM)
    assert unanswered.risk_level == RiskLevel.HIGH  # skipping never lowers the risk
    with pytest.raises(ValidationError, match="downtime"):
        new_change(olga, [shop], risk_answers={"downtime": "forever"})


def test_illegal_transitions_say_why(olga, mark, shop):
    change = new_change(olga, [shop])
    with pytest.raises(services.IllegalTransition, match="Only a scheduled change can start"):
        services.start(change, olga)
    services.submit(change, olga)
    with pytest.raises(services.IllegalTransition, match="Only a draft can be edited"):
        services.update_change(change, title="Something else")
    with pytest.raises(services.IllegalTransition, match="in progress can complete"):
        services.complete(change, "implemented")


def test_a_change_without_target_or_backout_plan_is_not_submitted(olga):
    change = services.create_change(title="Vague", requester=olga)
    with pytest.raises(ValidationError) as refused:
        services.submit(change, olga)
    assert {"targets", "backout_plan"} <= set(refused.value.message_dict)


def test_only_board_members_decide_and_the_quorum_counts(submitted, mark, olga, alice):
    AdvisoryBoard.objects.filter(pk=services.board().pk).update(quorum=2)
    with pytest.raises(PermissionDenied, match="does not sit on the change advisory board"):
        services.decide(submitted, olga, "approve")
    services.decide(submitted, mark, "approve")
    assert submitted.state == ChangeState.SUBMITTED
    assert services.approvals_needed(submitted) == 1
    services.decide(submitted, alice, "approve")
    assert submitted.state == ChangeState.APPROVED


def test_one_rejection_rejects(submitted, mark):
    services.decide(submitted, mark, "reject", "not before month-end")
    assert submitted.state == ChangeState.REJECTED


def test_submitting_asks_the_board_and_deciding_settles_the_notice(submitted, mark):
    notice = OutboxMessage.objects.get(source="changes")
    assert submitted.number in notice.subject
    services.decide(submitted, mark, "approve")
    notice.refresh_from_db()
    assert notice.state == OutboxMessage.State.RESOLVED


def test_a_standard_change_from_a_template_is_approved_at_once(olga, shop):
    template = ChangeTemplate.objects.create(
        name="Restart the ERP server",
        backout_plan="Start it again.",
        checklist=["Warn users", "Restart", "Sign in"],
        risk_answers={"users": "all", "downtime": "short", "data": "none", "tested": "yes"},
    )
    change = services.create_change(
        title="Weekly restart", requester=olga, targets=[shop], template=template
    )
    services.submit(change, olga)
    assert change.change_type == ChangeType.STANDARD
    assert change.state == ChangeState.APPROVED
    assert change.checklist.count() == 3
    assert (change.risk_score, change.risk_level) == (10, RiskLevel.HIGH)  # backout unanswered


def test_an_emergency_change_starts_first_and_is_flagged_until_approved(olga, mark, shop):
    change = new_change(olga, [shop], change_type=ChangeType.EMERGENCY, backout_plan="")
    services.submit(change, olga)
    services.start(change, olga)
    assert change.awaiting_approval_after_fact
    assert OutboxMessage.objects.filter(event=f"after-fact:{change.number}").exists()
    services.decide(change, mark, "approve", "it had to be done")
    change.refresh_from_db()
    assert change.state == ChangeState.IN_PROGRESS
    assert not change.awaiting_approval_after_fact
    assert change.approvals.get().after_the_fact


def test_scheduling_outside_the_window_is_refused(approved, olga):
    opens = window_opening()
    with pytest.raises(ValidationError, match="outside every maintenance window"):
        services.schedule(approved, opens + dt.timedelta(hours=3), opens + dt.timedelta(hours=5))
    with pytest.raises(ValidationError, match="end must come after"):
        services.schedule(approved, opens + dt.timedelta(hours=1), opens)


def test_a_target_without_window_takes_no_normal_change(olga, mark, tmp_path):
    from tests.changes.conftest import add

    bare = add("bare", tmp_path, windows=())
    change = services.submit(new_change(olga, [bare]), olga)
    services.decide(change, mark, "approve")
    opens = window_opening()
    with pytest.raises(ValidationError, match="bare has no maintenance window"):
        services.schedule(change, opens, opens + dt.timedelta(hours=1))


def test_a_blackout_window_freezes_changes(approved, shop):
    opens = window_opening()
    BlackoutWindow.objects.create(
        name="Month-end close", start=opens - dt.timedelta(days=1), end=opens + dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="Month-end close"):
        services.schedule(approved, opens, opens + dt.timedelta(hours=1))


def test_two_changes_on_one_target_do_not_overlap(approved, olga, mark, shop, books):
    opens = window_opening()
    services.schedule(approved, opens, opens + dt.timedelta(hours=2))
    other = services.submit(new_change(olga, [books, shop], title="Other"), olga)
    services.decide(other, mark, "approve")
    with pytest.raises(ValidationError, match=f"overlaps {approved.number}"):
        services.schedule(other, opens + dt.timedelta(hours=1), opens + dt.timedelta(hours=3))
    services.schedule(other, opens + dt.timedelta(hours=2), opens + dt.timedelta(hours=3))
    assert other.state == ChangeState.SCHEDULED


def test_the_go_no_go_slot_takes_a_rehearsal_verdict(approved):
    services.record_go_no_go(approved, "no_go", "rehearsal: module sale_history missing")
    approved.refresh_from_db()
    assert approved.go_no_go == "no_go" and approved.go_no_go_at is not None


def test_a_failed_safety_backup_raises_a_warning_before_the_window(approved, shop):
    from erpkeeper.changes.models import SafetyBackup
    from erpkeeper.changes.runner import changes_round
    from erpkeeper.core.models import Job

    opens = window_opening()
    services.schedule(approved, opens, opens + dt.timedelta(hours=1))
    job = Job.objects.create(kind="backup.run", status=Job.Status.FAILED, target=shop)
    SafetyBackup.objects.create(change=approved, target=shop, job=job, requested_at=opens)

    run_round, _close = changes_round()
    run_round()

    notice = OutboxMessage.objects.get(event=f"safety-backup:{approved.number}")
    assert notice.severity == OutboxMessage.Severity.WARNING and "shop" in notice.subject
    assert services.safety_status(approved)[0].status == "failed"
