"""Warranty, end-of-life and licence notices through the outbox (each threshold once per asset
and date), inspections with checklists, the health score and the replacement plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.assets import services
from erpkeeper.assets.models import (
    Asset,
    AssetNotice,
    Disk,
    DiskObservation,
    Inspection,
    InspectionState,
    InspectionTemplate,
    PlanState,
    ReplacementPlan,
    SoftwareLicence,
)
from erpkeeper.assets.services.health import PENALTIES, next_quarter
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications import services as notifications
from erpkeeper.notifications.delivery import deliver_pending
from tests.fixtures.receivers import HttpReceiver, Reply

TODAY = dt.date(2026, 12, 8)


def asset(name="db1", **fields) -> Asset:
    return services.create_asset(name=name, **fields)


def test_a_warranty_notice_fires_once_at_each_threshold(db):
    db1 = asset(warranty_end=TODAY + dt.timedelta(days=90))
    assert services.raise_due_notices(TODAY) == 1
    message = OutboxMessage.objects.get(source="assets")
    assert message.subject == "Warranty of db1 ends on 2027-03-08 (in 90 days)"
    assert message.state == OutboxMessage.State.PENDING
    assert message.severity == OutboxMessage.Severity.WARNING
    assert message.link.endswith(f"/assets/asset/{db1.pk}/change/")
    # The next days: nothing new until 30 days are left, then 7.
    assert services.raise_due_notices(TODAY + dt.timedelta(days=1)) == 0
    assert services.raise_due_notices(TODAY + dt.timedelta(days=60)) == 1
    assert services.raise_due_notices(TODAY + dt.timedelta(days=61)) == 0
    assert services.raise_due_notices(TODAY + dt.timedelta(days=85)) == 1
    subjects = list(OutboxMessage.objects.order_by("pk").values_list("subject", flat=True))
    assert [s.split("(")[1] for s in subjects] == ["in 90 days)", "in 30 days)", "in 5 days)"]
    assert OutboxMessage.objects.order_by("pk").last().severity == OutboxMessage.Severity.CRITICAL
    # Resolved messages do not come back: the notice is recorded per threshold and date.
    OutboxMessage.objects.update(state=OutboxMessage.State.RESOLVED)
    assert services.raise_due_notices(TODAY + dt.timedelta(days=86)) == 0


def test_the_warranty_notice_reaches_a_webhook_through_the_outbox(db, settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    asset(warranty_end=TODAY + dt.timedelta(days=30))
    services.raise_due_notices(TODAY)
    with HttpReceiver(Reply(200)) as receiver:
        notifications.create_channel(
            name="ops-hook", kind="webhook", secrets={"url": receiver.url("/hook")}
        )
        run = deliver_pending()
    assert run.delivered == 1
    assert "Warranty of db1 ends on 2027-01-07" in receiver.received[0].body.decode()
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


def test_a_first_run_close_to_the_date_sends_only_the_tightest_notice(db):
    asset(warranty_end=TODAY + dt.timedelta(days=5))
    assert services.raise_due_notices(TODAY) == 1
    assert AssetNotice.objects.get().threshold_days == 7


def test_a_new_warranty_date_starts_again_and_two_assets_never_merge(db):
    db1 = asset(warranty_end=TODAY + dt.timedelta(days=20))
    asset("db2", warranty_end=TODAY + dt.timedelta(days=20))
    assert services.raise_due_notices(TODAY) == 2
    services.update_asset(db1, warranty_end=TODAY + dt.timedelta(days=80))
    assert services.raise_due_notices(TODAY) == 1
    assert OutboxMessage.objects.filter(source="assets").count() == 3


def test_end_of_life_and_licence_expiry_fire_too_but_not_for_retired_assets(db):
    asset(end_of_life=TODAY + dt.timedelta(days=7))
    asset("old", status="retired", warranty_end=TODAY + dt.timedelta(days=7))
    SoftwareLicence.objects.create(product="Windows Server", expiry=TODAY + dt.timedelta(days=30))
    assert services.raise_due_notices(TODAY) == 2
    subjects = sorted(OutboxMessage.objects.values_list("subject", flat=True))
    assert subjects == [
        "Licence Windows Server expires on 2027-01-07 (in 30 days)",
        "db1 reaches its end of life on 2026-12-15 (in 7 days)",
    ]


@pytest.fixture
def monthly(db):
    return InspectionTemplate.objects.create(
        name="服务器月检", asset_kind="server", frequency_days=30,
        checklist="Fans\nRAID status\nUPS battery",
    )  # fmt: skip


def test_inspections_are_scheduled_recorded_and_the_next_one_follows(monthly, olga):
    db1 = asset()
    asset("ups1", kind="ups")
    long_ago = dt.date(2025, 1, 6)
    assert services.schedule_inspections(long_ago) == 1  # servers only
    assert services.schedule_inspections(long_ago) == 0  # one open inspection each
    inspection = Inspection.objects.get()
    assert inspection.asset == db1 and inspection.overdue  # due long ago, not done
    assert list(services.overdue()) == [inspection]
    ok = [{"item": i, "outcome": "ok"} for i in ("Fans", "RAID status", "UPS battery")]
    following = services.complete_inspection(inspection, ok, actor=olga)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.PASSED and inspection.inspector == olga
    assert following.due_date - inspection.done_at.date() == dt.timedelta(days=30)
    with pytest.raises(ValidationError, match="already done"):
        services.complete_inspection(inspection, ok)


def test_an_issue_needs_a_note_every_item_needs_a_result_and_a_failure_lowers_health(monthly):
    db1 = asset()
    services.schedule_inspections(TODAY)
    inspection = Inspection.objects.get()
    issue = [{"item": "Fans", "outcome": "issue"}]
    with pytest.raises(ValidationError, match="say what the issue is"):
        services.complete_inspection(inspection, issue)
    with pytest.raises(ValidationError, match="No result for: RAID status, UPS battery"):
        services.complete_inspection(inspection, [{"item": "Fans", "outcome": "ok"}])
    with pytest.raises(ValidationError, match="Not on the checklist"):
        services.complete_inspection(inspection, [{"item": "Coffee", "outcome": "ok"}])
    assert not inspection.results.exists()
    results = [
        {"item": "Fans", "outcome": "issue", "note": "fan 2 at 0 rpm"},
        {"item": "RAID status", "outcome": "ok"},
        {"item": "UPS battery", "outcome": "ok"},
    ]
    services.complete_inspection(inspection, results)
    inspection.refresh_from_db()
    db1.refresh_from_db()
    assert inspection.state == InspectionState.FAILED
    assert db1.health_score == 100 - PENALTIES["failed_inspection"]


def test_degradation_lowers_the_health_and_proposes_a_replacement_once(db):
    db1 = asset(
        purchase_date=TODAY - dt.timedelta(days=6 * 365),
        warranty_end=TODAY - dt.timedelta(days=30),
        cost=Decimal("48000"),
    )
    disk = Disk.objects.create(asset=db1, device="/dev/sda")
    DiskObservation.objects.create(
        disk=disk,
        smart_health="passed",
        reallocated_sectors=8,
        observed_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    DiskObservation.objects.create(disk=disk, smart_health="passed", reallocated_sectors=40,
                                   temperature_c=63,
                                   observed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # fmt: skip
    score = services.refresh_health(db1, TODAY)
    expected = 100 - sum(
        PENALTIES[c] for c in ("reallocated_rising", "hot", "past_life", "past_warranty")
    )
    assert score == expected == 30
    codes = sorted(r["code"] for r in db1.health_reasons)
    assert codes == ["hot", "past_life", "past_warranty", "reallocated_rising"]
    texts = [services.reason_text(r) for r in db1.health_reasons]
    assert "Disk /dev/sda: reallocated sectors rising (8 → 40)" in texts
    plan = ReplacementPlan.objects.get()
    assert plan.quarter == next_quarter(TODAY) == "2027Q1"
    assert plan.estimated_cost == Decimal("48000") and plan.state == PlanState.PROPOSED
    services.refresh_health(db1, TODAY)
    assert ReplacementPlan.objects.count() == 1  # already proposed


def test_the_budget_sums_each_quarter_without_the_cancelled_plans(db):
    a, b, c = asset("a"), asset("b"), asset("c")
    ReplacementPlan.objects.create(asset=a, quarter="2027Q1", estimated_cost=100)
    ReplacementPlan.objects.create(asset=b, quarter="2027Q1", estimated_cost=50, state="done")
    ReplacementPlan.objects.create(asset=c, quarter="2027Q2", estimated_cost=70, state="cancelled")
    ReplacementPlan.objects.create(asset=c, quarter="2027Q3", estimated_cost=80)
    assert services.budget_by_quarter() == [
        {"quarter": "2027Q1", "planned": Decimal(100), "done": Decimal(50), "count": 2},
        {"quarter": "2027Q3", "planned": Decimal(80), "done": Decimal(0), "count": 1},
    ]
