"""Bad input gets a 4xx JSON answer naming what is wrong, never a 500: numbers too big for the
database in ?limit= and in list filters, a body over the upload limit."""

from __future__ import annotations

import pytest
from django.utils import timezone

from erpkeeper.core.jobs import enqueue
from erpkeeper.notifications.models import Delivery
from erpkeeper.notifications.services import create_channel
from tests.fixtures.alerts import make_target

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond 64 bits: SQLite's driver raised OverflowError on it


@pytest.fixture
def admin(alice, api_client_for):
    return api_client_for(alice)


def test_a_huge_limit_gives_the_largest_page(admin, alice):
    make_target("shop")
    response = admin.get("/api/v1/audit/", {"limit": HUGE})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"]) > 0
    targets = admin.get("/api/v1/targets/", {"limit": HUGE})
    assert targets.status_code == 200
    assert [t["name"] for t in targets.json()["results"]] == ["shop"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/jobs/", "target"),
        ("/api/v1/alerts/", "target"),
        ("/api/v1/notification-deliveries/", "channel"),
    ],
)
def test_a_target_or_channel_number_too_big_for_an_id_is_a_name_matching_nothing(admin, path, name):
    enqueue("core.housekeeping")
    response = admin.get(path, {name: HUGE})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


def test_a_deliveries_message_id_too_big_is_a_400_naming_it(admin, settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    channel = create_channel(name="hook", kind="webhook", secrets={"url": "http://127.0.0.1:9/"})
    Delivery.objects.create(channel=channel, started=timezone.now())
    response = admin.get("/api/v1/notification-deliveries/", {"message": HUGE})
    assert response.status_code == 400
    assert response.json() == {"message": ["Give a number from 0 to 9223372036854775807."]}
    assert admin.get("/api/v1/notification-deliveries/", {"message": "x"}).json() == {
        "message": ["Give a whole number."]
    }
    listed = admin.get("/api/v1/notification-deliveries/", {"channel": str(channel.pk)})
    assert listed.json()["count"] == 1


def test_alerts_rule_filter_too_big_is_a_400_naming_it(admin):
    response = admin.get("/api/v1/alerts/", {"rule": HUGE})
    assert response.status_code == 400
    assert response.json() == {"rule": ["Give a number from 0 to 9223372036854775807."]}


def test_metric_query_series_ids_too_big_are_a_400(admin):
    response = admin.get("/api/v1/metrics/query/", {"series": f"1,{HUGE}"})
    assert response.status_code == 400
    assert response.json() == {"detail": "series: give ids separated by commas, e.g. 1,2,3"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"name": "' + b"x" * 3_000_000 + b'"}', "application/json"),
        (b"name=" + b"x" * 3_000_000, "application/x-www-form-urlencoded"),
    ],
)
def test_a_body_over_the_upload_limit_is_a_413_json(admin, body, content_type):
    response = admin.post("/api/v1/targets/", body, content_type=content_type)
    assert response.status_code == 413
    assert response.json() == {
        "error": "too_large",
        "detail": "The request body is larger than 2.5 MB.",
    }


def test_an_audit_actor_too_big_for_an_id_is_a_name_that_matches_nothing(admin):
    response = admin.get("/api/v1/audit/", {"actor": HUGE})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/tokens/", "/api/v1/backups/", "/api/v1/restores/"])
def test_a_huge_limit_is_capped_on_every_list_by_default(path, olga, api_client_for):
    response = api_client_for(olga).get(path + "?limit=99999999999999999999")
    assert response.status_code == 200
