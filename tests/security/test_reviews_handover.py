"""A reviewer hands undecided items to someone else (away, or not the right person): the new
reviewer is told by mail and notice and decides them; decided items, closed campaigns and other
people's items cannot be handed over (except by who runs campaigns)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from erpkeeper.cli import main
from erpkeeper.core.models import AuditEntry, OutboxMessage
from erpkeeper.security import services
from tests.security.test_reviews import make_campaign, shop, smtp  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reviewer_hands_items_over_and_the_new_reviewer_is_told(shop, sam, mark, dave, smtp):  # noqa: F811
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    first, *rest = list(campaign.items.order_by("pk"))
    services.decide_item(first, user=mark, decision="keep")

    with pytest.raises(ValidationError, match="decided already"):
        services.reassign_items([first, *rest], to=dave, by=mark)
    assert services.reassign_items(rest, to=dave, by=mark, reason="On leave in December") == len(
        rest
    )

    assert {item.reviewer.username for item in campaign.items.exclude(pk=first.pk)} == {"dave"}
    notice = OutboxMessage.objects.get(event__startswith=f"review_handover:{campaign.pk}:")
    assert "mark handed you" in notice.subject
    assert [m["to"] for m in smtp.messages] == [["dave@example.com"]]
    assert "On leave in December" in smtp.messages[0]["message"].get_content()
    handed_ids = [str(item.pk) for item in rest]
    changed = AuditEntry.objects.filter(
        object_type="security.reviewitem", object_id__in=handed_ids, action="update"
    )
    assert changed.count() == len(rest)  # who had each item before stays on record


def test_only_the_reviewer_or_the_campaign_runner_hands_over(shop, sam, mark, dave, victor):  # noqa: F811
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    items = list(campaign.items.all())
    with pytest.raises(PermissionDenied):
        services.reassign_items(items, to=victor, by=dave)
    with pytest.raises(ValidationError, match="reviews these items already"):
        services.reassign_items(items, to=mark, by=sam)
    assert services.reassign_items(items, to=victor, by=sam) == len(items)  # sam runs it
    services.close_campaign(campaign)
    with pytest.raises(ValidationError, match="not open"):
        services.reassign_items(items, to=mark, by=sam)


def test_api_and_cli_hand_over(shop, sam, mark, dave, api_client_for, capsys):  # noqa: F811
    campaign = make_campaign(shop, sam, mark, scope_users=["zhou.qiang"])
    services.launch_campaign(campaign)
    ids = list(campaign.items.order_by("pk").values_list("pk", flat=True))
    url = "/api/v1/security/review-items/hand-over/"

    as_dave = api_client_for(dave).post(url, {"items": ids[:1], "to": "sam"}, format="json")
    assert as_dave.status_code == 404  # not his items: he does not see them
    answer = api_client_for(mark).post(url, {"items": ids[:1], "to": "dave"}, format="json")
    assert answer.status_code == 200 and answer.json() == {"handed_over": 1, "to": "dave"}
    unknown = api_client_for(mark).post(url, {"items": ids[1:2], "to": "nobody"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.json()

    assert main(["--as", "mark", "review", "hand-over", str(ids[1]), "--to", "dave"]) == 0
    assert main(["--as", "mark", "review", "hand-over", str(ids[1]), "--to", "dave"]) == 2
    assert "Only an item's reviewer" in capsys.readouterr().err
    assert set(
        campaign.items.filter(pk__in=ids[:2]).values_list("reviewer__username", flat=True)
    ) == {"dave"}
