"""Access review campaigns in the console: an auditor creates and launches one and sees the
progress per reviewer; a reviewer's "My reviews" keeps and revokes; a helpdesk agent who
reviews nothing sees nothing of the campaign's items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from erpkeeper.security import services
from erpkeeper.security.models import Campaign, CampaignStatus, Decision, RemediationState
from erpkeeper.targets.services import add_target
from tests.fixtures.two_factor import force_login

pytestmark = pytest.mark.django_db

MY_REVIEWS = "admin:security_campaign_my_reviews"


@pytest.fixture
def shop(tryton_sqlite_db):
    target = add_target(name="shop", database_url=tryton_sqlite_db)
    services.take_snapshot(target)
    return target


def test_an_auditor_creates_launches_and_follows_a_campaign(client, personas, shop):
    force_login(client, personas["sam"])
    response = client.post(
        reverse("admin:security_campaign_add"),
        {
            "name": "Purchasing",
            "description": "Quarterly",
            "targets": [shop.pk],
            "scope_groups": "",
            "scope_roles": "Buyer, Accountant",
            "scope_users": "",
            "reviewer_mode": "named",
            "default_reviewer": personas["mark"].pk,
            "deadline": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
            "reminder_days": "3,1",
            "owner": personas["sam"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="Purchasing")
    assert campaign.scope_roles == ["Buyer", "Accountant"]
    page = reverse("admin:security_campaign_change", args=[campaign.pk])
    draft = client.get(page).content.decode()
    assert 'value="Buyer, Accountant"' in draft  # a draft is edited as text
    launch = reverse("admin:security_campaign_launch", args=[campaign.pk])
    assert "Take a new snapshot" in client.get(launch).content.decode()  # the dialog
    client.post(launch, {"_form_submitted": "on", "fresh": "on"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    html = client.get(page).content.decode()
    assert 'data-reviewer="mark"' in html and "0 of 3 decided" in html
    assert campaign.items.first().snapshot.pk == shop.access_snapshots.latest("started").pk
    assert shop.access_snapshots.count() == 2  # fresh: a new one was taken
    assert 'data-testid="review-items"' in html and "zhou.qiang" in html
    listing = client.get(reverse("admin:security_campaign_changelist")).content.decode()
    assert "Purchasing" in listing and 'data-percent="0"' in listing


def test_my_reviews_keeps_in_bulk_and_revokes_with_a_comment(client, personas, shop):
    campaign = services.save_campaign(
        Campaign(
            name="Stock",
            scope_groups=["Stock"],
            default_reviewer=personas["helen"],
            owner=personas["sam"],
            deadline=timezone.localdate(),
        ),
        [shop],
    )
    services.launch_campaign(campaign)
    force_login(client, personas["helen"])  # a helpdesk agent may review
    url = reverse(MY_REVIEWS)
    html = client.get(url).content.decode()
    assert 'data-login="xu.jing"' in html and 'data-login="chen.jie"' in html
    xu = campaign.items.get(login="xu.jing")
    client.post(url, {"decide": xu.pk, f"decision-{xu.pk}": "revoke", f"comment-{xu.pk}": ""})
    xu.refresh_from_db()
    assert xu.decision == Decision.PENDING  # refused: a revocation needs a comment
    client.post(url, {"decide": xu.pk, f"decision-{xu.pk}": "revoke", f"comment-{xu.pk}": "left"})
    others = campaign.items.exclude(pk=xu.pk)
    client.post(url, {"bulk_keep": "1", "selected": [i.pk for i in others]})
    assert set(campaign.items.values_list("decision", flat=True)) == {"keep", "revoke"}
    assert campaign.requests.get().state == RemediationState.REQUESTED
    assert 'data-testid="nothing-pending"' in client.get(url).content.decode()


def test_someone_elses_items_cannot_be_decided_from_my_reviews(client, personas, shop):
    campaign = services.save_campaign(
        Campaign(
            name="Stock",
            scope_groups=["Stock"],
            default_reviewer=personas["mark"],
            owner=personas["sam"],
            deadline=timezone.localdate(),
        ),
        [shop],
    )
    services.launch_campaign(campaign)
    item = campaign.items.first()
    force_login(client, personas["victor"])
    response = client.post(reverse(MY_REVIEWS), {"decide": item.pk, f"decision-{item.pk}": "keep"})
    assert response.status_code == 404
    page = client.get(reverse("admin:security_campaign_change", args=[campaign.pk]))
    assert "You review no item of this campaign." in page.content.decode()
    item.refresh_from_db()
    assert item.decision == Decision.PENDING


def test_my_reviews_hands_ticked_items_to_a_colleague(client, personas, shop):
    campaign = services.save_campaign(
        Campaign(
            name="Stock",
            scope_groups=["Stock"],
            default_reviewer=personas["helen"],
            owner=personas["sam"],
            deadline=timezone.localdate(),
        ),
        [shop],
    )
    services.launch_campaign(campaign)
    force_login(client, personas["helen"])
    url = reverse(MY_REVIEWS)
    assert 'data-testid="hand-over"' in client.get(url).content.decode()
    xu = campaign.items.get(login="xu.jing")

    page = client.post(
        url, {"hand_over": "1", "selected": [xu.pk], "hand_to": "nobody"}, follow=True
    )
    assert "No console user named nobody." in page.content.decode()
    page = client.post(url, {"hand_over": "1", "selected": [xu.pk], "hand_to": "olga"}, follow=True)
    assert "1 item handed to olga." in page.content.decode()
    xu.refresh_from_db()
    assert xu.reviewer == personas["olga"] and 'data-login="xu.jing"' not in page.content.decode()
