"""Access review campaigns against a real Tryton demo database: launch, decide, revoke, the
ERP's administrator carries the revocation out (or not), the next snapshot verifies it;
reviewers by group owner and by manager; reminders and escalation."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from erpkeeper.accounts import services as accounts
from erpkeeper.core.models import OutboxMessage
from erpkeeper.core.scheduler import schedules
from erpkeeper.lib.roles import Role
from erpkeeper.notifications import services as channel_services
from erpkeeper.security import services
from erpkeeper.security.models import (
    Campaign,
    CampaignStatus,
    GroupOwner,
    ItemVia,
    RemediationRequest,
    RemediationState,
    ReviewerMode,
)
from erpkeeper.targets.services import add_target
from tests.fixtures.receivers import SmtpReceiver
from tests.security.helpers import user_id, write

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    services.take_snapshot(target)
    return target


def make_campaign(shop, owner, reviewer, **fields) -> Campaign:
    values = {
        "name": "Q4 access review",
        "reviewer_mode": ReviewerMode.NAMED,
        "default_reviewer": reviewer,
        "deadline": timezone.localdate() + dt.timedelta(days=14),
        "owner": owner,
        **fields,
    }
    return services.save_campaign(Campaign(**values), [shop])


def remove_role(url: str, login: str, role_name: str) -> None:
    """The ERP's administrator removes a role from a user (as Tryton's role sync leaves it)."""
    user = user_id(url, login)
    write(
        url,
        (
            "DELETE FROM res_user_role WHERE user = ? AND role = "
            "(SELECT id FROM res_role WHERE name = ?)",
            (user, role_name),
        ),
    )


def items_by_access(campaign) -> dict:
    return {(i.login, i.role or i.group): i for i in campaign.items.all()}


def test_a_campaign_runs_from_launch_to_a_verified_revocation(shop, tryton_sqlite_db, sam, mark):
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    assert services.launch_campaign(campaign) == 2
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    items = items_by_access(campaign)
    buyer, accountant = items["zhou.qiang", "Buyer"], items["zhou.qiang", "Accountant"]
    assert buyer.via == ItemVia.ROLE and buyer.reviewer == mark
    assert "Purchase" in buyer.role_groups

    services.decide_item(accountant, user=mark, decision="keep")
    services.decide_item(buyer, user=mark, decision="revoke", comment="moved to finance")
    request = RemediationRequest.objects.get(item=buyer)
    assert request.state == RemediationState.REQUESTED
    assert request.what == "Remove role Buyer from zhou.qiang in shop"
    assert services.progress(campaign) == [
        {
            "reviewer": "mark",
            "total": 2,
            "decided": 2,
            "kept": 1,
            "revoked": 1,
            "pending": 0,
            "percent": 100,
        }
    ]

    remove_role(tryton_sqlite_db, "zhou.qiang", "Buyer")  # outside ERPKeeper
    snapshot = services.take_snapshot(shop)
    request.refresh_from_db()
    assert request.state == RemediationState.CARRIED_OUT
    assert request.checked_snapshot == snapshot


def test_a_revocation_not_carried_out_is_listed_after_the_next_snapshot(shop, sam, mark):
    campaign = make_campaign(shop, sam, mark, scope_groups=["Stock"])
    services.launch_campaign(campaign)
    item = campaign.items.get(login="xu.jing")
    assert item.via == ItemVia.DIRECT and item.group == "Stock"
    services.decide_item(item, user=mark, decision="revoke", comment="left the warehouse")
    services.take_snapshot(shop)
    request = campaign.requests.get()
    assert request.state == RemediationState.NOT_CARRIED_OUT
    assert request.checked_snapshot is not None


def test_a_direct_group_taken_away_in_the_erp_is_carried_out(shop, tryton_sqlite_db, sam, mark):
    campaign = make_campaign(shop, sam, mark, scope_groups=["Stock"], scope_users=["xu.jing"])
    services.launch_campaign(campaign)
    item = campaign.items.get()
    services.decide_item(item, user=mark, decision="revoke", comment="left the warehouse")
    write(
        tryton_sqlite_db,
        (
            'DELETE FROM "res_user-res_group" WHERE "user" = ? AND "group" = '
            "(SELECT id FROM res_group WHERE name = 'Stock')",
            (user_id(tryton_sqlite_db, "xu.jing"),),
        ),
    )
    services.take_snapshot(shop)
    assert campaign.requests.get().state == RemediationState.CARRIED_OUT


def test_a_revocation_needs_a_comment_and_only_the_reviewer_decides(shop, sam, mark, victor):
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    item = campaign.items.first()
    with pytest.raises(ValidationError) as caught:
        services.decide_item(item, user=mark, decision="revoke", comment="  ")
    assert "comment" in caught.value.message_dict
    with pytest.raises(PermissionDenied):
        services.decide_item(item, user=victor, decision="keep")
    with pytest.raises(PermissionDenied):
        services.decide_item(item, user=sam, decision="keep")  # runs it, does not review it
    assert not campaign.requests.exists()


def test_changing_ones_mind_withdraws_the_request_and_closing_freezes(shop, sam, mark):
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    item = campaign.items.first()
    services.decide_item(item, user=mark, decision="revoke", comment="not needed")
    services.decide_item(item, user=mark, decision="keep")
    assert not campaign.requests.exists()
    services.close_campaign(campaign)
    with pytest.raises(ValidationError, match="not open"):
        services.decide_item(item, user=mark, decision="keep")
    with pytest.raises(ValidationError, match="draft"):
        services.save_campaign(campaign)
    with pytest.raises(ValidationError, match="draft"):
        services.launch_campaign(campaign)


def test_a_scope_matching_nothing_launches_nothing(shop, sam, mark):
    campaign = make_campaign(shop, sam, mark, scope_users=["nobody.here"])
    with pytest.raises(ValidationError, match="scope"):
        services.launch_campaign(campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not campaign.items.exists()


def test_group_owners_review_their_groups_others_go_to_the_default(shop, sam, mark, helen):
    GroupOwner.objects.create(target=shop, group="account.group_account", owner=helen)
    campaign = make_campaign(
        shop, sam, mark, reviewer_mode=ReviewerMode.GROUP_OWNER, scope_users=["zhou.qiang"]
    )
    services.launch_campaign(campaign)
    items = items_by_access(campaign)
    assert items["zhou.qiang", "Accountant"].reviewer == helen
    assert items["zhou.qiang", "Buyer"].reviewer == mark
    assert list(services.items_visible_to(helen, campaign.items.all())) == [
        items["zhou.qiang", "Accountant"]
    ]


def test_managers_in_the_erp_review_their_staff(shop, tryton_sqlite_db, sam, mark, dave):
    # The ERP's administrator records that li.na supervises zhou.qiang; li.na's e-mail in the
    # ERP is dave's in ERPKeeper.
    write(
        tryton_sqlite_db,
        "UPDATE company_employee SET supervisor = 2 WHERE id = 8",
        "UPDATE res_user SET email = 'dave@example.com' WHERE login = 'li.na'",
    )
    campaign = make_campaign(
        shop, sam, mark, reviewer_mode=ReviewerMode.MANAGER, scope_roles=["Accountant", "Buyer"]
    )
    services.launch_campaign(campaign)
    reviewers = {(i.login, i.role): i.reviewer.username for i in campaign.items.all()}
    assert reviewers["zhou.qiang", "Buyer"] == "dave"
    assert reviewers["zhao.min", "Accountant"] == "mark"  # no manager known: the default


def test_reviewers_are_reminded_before_the_deadline_once_a_day(shop, sam, mark):
    today = timezone.localdate()
    campaign = make_campaign(
        shop,
        sam,
        mark,
        scope_users=["zhou.qiang"],
        deadline=today + dt.timedelta(days=1),
        reminder_days="7, 1",
    )
    services.launch_campaign(campaign)
    assert services.follow_up_campaigns(today) == {"reminders": 1, "escalations": 0}
    assert services.follow_up_campaigns(today) == {"reminders": 0, "escalations": 0}
    notice = OutboxMessage.objects.get(source="security", event__startswith="review_reminder")
    assert "2 items for mark" in notice.subject
    assert services.follow_up_campaigns(today - dt.timedelta(days=3))["reminders"] == 0


@pytest.fixture
def smtp(db):
    with SmtpReceiver() as sink:
        channel_services.create_channel(
            name="ops-mail",
            kind="email",
            config={
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "from_address": "erpkeeper@erp.example.com",
                "recipients": "ops@example.com",
            },
        )
        yield sink


def test_an_overdue_campaign_escalates_to_its_owner_and_the_managers(shop, sam, mark, victor, smtp):
    campaign = make_campaign(shop, sam, victor, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    assert services.follow_up_campaigns()["escalations"] == 1
    mailed = sorted(address for m in smtp.messages for address in m["to"])
    assert mailed == ["mark@example.com", "sam@example.com"]
    assert "overdue" in str(smtp.messages[0]["message"]["Subject"])
    notice = OutboxMessage.objects.get(event=f"review_overdue:{campaign.pk}")
    assert notice.severity == OutboxMessage.Severity.CRITICAL
    assert "overdue" in notice.subject and "2 items" in notice.subject
    assert "victor" in notice.body and "sam" in notice.body and "mark" in notice.body
    assert services.follow_up_campaigns()["escalations"] == 0  # once
    campaign.refresh_from_db()
    assert campaign.escalated is not None


def test_a_portal_user_cannot_review(shop, sam):
    portal_user, _password = accounts.create_user(
        "erp.clerk", "clerk@example.com", Role.PORTAL_USER, password="a long portal password 42"
    )
    with pytest.raises(ValidationError) as caught:
        make_campaign(shop, sam, portal_user)
    assert "default_reviewer" in caught.value.message_dict
    assert not Campaign.objects.exists()


def test_on_postgresql_a_managers_revocation_is_verified(tryton_postgres_db, sam, mark, dave):
    target = add_target(name="pgshop", database_url=tryton_postgres_db)
    with psycopg.connect(tryton_postgres_db, autocommit=True) as conn:
        conn.execute("UPDATE company_employee SET supervisor = 2 WHERE id = 8")
        conn.execute("UPDATE res_user SET email = 'dave@example.com' WHERE login = 'li.na'")
    campaign = make_campaign(
        target, sam, mark, reviewer_mode=ReviewerMode.MANAGER, scope_users=["zhou.qiang"]
    )
    services.launch_campaign(campaign, fresh=True)
    buyer = campaign.items.get(role="Buyer")
    assert buyer.reviewer == dave
    services.decide_item(buyer, user=dave, decision="revoke", comment="no longer buys")
    with psycopg.connect(tryton_postgres_db, autocommit=True) as conn:
        conn.execute(
            'DELETE FROM res_user_role WHERE "user" = '
            "(SELECT id FROM res_user WHERE login = 'zhou.qiang') "
            "AND role = (SELECT id FROM res_role WHERE name = 'Buyer')"
        )
    services.take_snapshot(target)
    assert campaign.requests.get().state == RemediationState.CARRIED_OUT


def test_the_follow_up_runs_every_hour_from_the_scheduler():
    schedule = {s.name: s for s in schedules()}["security.reviews"]
    assert schedule.call is services.follow_up_campaigns and schedule.cron == "20 * * * *"
