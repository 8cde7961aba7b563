"""The alert API refuses what cannot work with a 400 naming the field, never a 500: silences
ending beyond the calendar, rules on metrics nothing collects; and acting on an alert does not
depend on the list's filters."""

from __future__ import annotations

import pytest

from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import AlertRule, Silence
from tests.fixtures.alerts import (
    feed,
    make_host,
    make_rule,
    make_target,
    only_alert,
    start_time,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(alice, api_client_for):
    make_target("shop")
    return api_client_for(alice)


@pytest.fixture
def firing_alert():
    AlertRule.objects.filter(is_default=True).update(enabled=False)
    start = start_time()
    host = make_host(targets=[make_target("erp")])
    make_rule(critical_threshold=95)
    feed(host, "test.disk.percent", 97, start)
    evaluate(start)
    return only_alert()


@pytest.mark.parametrize("minutes", [10**12, 10**30])
def test_a_silence_too_long_is_a_400_naming_its_duration(admin, minutes):
    response = admin.post(
        "/api/v1/silences/",
        {"target": "shop", "duration_minutes": minutes, "comment": "forever"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["duration_minutes"]
    assert not Silence.objects.exists()


def test_a_silence_ending_after_the_year_9999_is_a_400(admin):
    late = {"target": "shop", "comment": "late", "starts": "9999-12-31T23:00:00Z"}
    response = admin.post("/api/v1/silences/", {**late, "duration_minutes": 120}, format="json")
    assert response.status_code == 400
    assert response.json() == {"duration_minutes": ["The silence would end after the year 9999."]}
    created = admin.post(
        "/api/v1/silences/",
        {"target": "shop", "duration_minutes": 60, "comment": "ok"},
        format="json",
    )
    assert created.status_code == 201
    stretched = admin.patch(
        f"/api/v1/silences/{created.json()['id']}/",
        {"starts": "9999-12-31T23:30:00Z", "duration_minutes": 60},
        format="json",
    )
    assert stretched.status_code == 400
    assert list(stretched.json()) == ["duration_minutes"]


def test_a_rule_on_a_metric_nothing_collects_is_a_400_naming_the_metric(admin):
    body = {"name": "Typo", "metric": "host.disk.precent", "warning_threshold": 80}
    response = admin.post("/api/v1/alert-rules/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "metric": [
            "No series has the metric host.disk.precent and no default rule uses it; "
            "GET /api/v1/metrics/series/ lists the metrics collected."
        ]
    }
    assert not AlertRule.objects.filter(name="Typo").exists()


def test_a_rule_on_a_collected_or_default_metric_is_accepted(admin):
    feed(make_host(), "erp.queue.length", 3, start_time())
    for name, metric in (("Queue", "erp.queue.length"), ("Disk", "host.disk.percent")):
        body = {"name": name, "metric": metric, "warning_threshold": 80}
        response = admin.post("/api/v1/alert-rules/", body, format="json")
        assert response.status_code == 201, response.json()


def test_a_rule_keeps_its_own_metric_when_other_fields_change(admin):
    rule = make_rule(metric="test.gone.metric")
    response = admin.patch(f"/api/v1/alert-rules/{rule.pk}/", {"warning_threshold": 70})
    assert response.status_code == 200, response.json()
    moved = admin.patch(f"/api/v1/alert-rules/{rule.pk}/", {"metric": "test.other.metric"})
    assert moved.status_code == 400 and list(moved.json()) == ["metric"]


def test_acknowledge_and_resolve_ignore_the_list_filters(firing_alert, alice, api_client_for):
    client = api_client_for(alice)
    huge = "99999999999999999999"
    acked = client.post(
        f"/api/v1/alerts/{firing_alert.pk}/acknowledge/?rule={huge}&state=resolved&target=x"
    )
    assert acked.status_code == 200, acked.content
    assert acked.json()["acknowledged_by"] == "alice"
    resolved = client.post(f"/api/v1/alerts/{firing_alert.pk}/resolve/?severity=warning")
    assert resolved.status_code == 200
    assert resolved.json()["state"] == "resolved"
