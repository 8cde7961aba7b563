"""A firing critical alert opens an incident ticket on its target; more alerts on the target
join it; when the last resolves, so does the incident. Behind ERPKEEPER_INCIDENTS_FROM_ALERTS."""

from __future__ import annotations

import pytest

from erpkeeper.alerts import services
from erpkeeper.alerts.models import Alert, AlertState
from erpkeeper.servicedesk.models import Ticket, TicketKind, TicketStatus
from tests.fixtures.alerts import STEP, make_host, make_rule, make_target, run_sequence, start_time

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


@pytest.fixture
def shop_host():
    return make_host("erp-host", targets=[make_target("shop")])


def test_a_critical_alert_opens_one_incident_on_its_target(shop_host):
    start = start_time()
    make_rule(name="Disk", critical_threshold=95)
    make_rule(name="Disk again", metric="test.disk.percent", critical_threshold=96)
    run_sequence(shop_host, "test.disk.percent", [97], start)
    incident = Ticket.objects.get()
    assert incident.kind == TicketKind.INCIDENT and incident.target.name == "shop"
    assert incident.priority == "p1" and "shop" in incident.subject
    alerts = list(Alert.objects.filter(state=AlertState.FIRING))
    assert len(alerts) == 2 and {a.incident_id for a in alerts} == {incident.pk}
    assert incident.messages.count() == 2  # the opening and the second alert's note

    run_sequence(shop_host, "test.disk.percent", [40], start + STEP)
    incident.refresh_from_db()
    assert incident.status == TicketStatus.RESOLVED
    assert incident.messages.filter(body__startswith="Every alert").exists()


def test_a_warning_opens_no_incident_by_default(shop_host):
    make_rule(name="Disk", warning_threshold=80)
    run_sequence(shop_host, "test.disk.percent", [85], start_time())
    assert Alert.objects.get().incident is None
    assert not Ticket.objects.exists()


def test_incidents_from_alerts_can_be_turned_off(shop_host, settings):
    settings.INCIDENTS_FROM_ALERTS = False
    make_rule(name="Disk", critical_threshold=95)
    run_sequence(shop_host, "test.disk.percent", [99], start_time())
    assert not Ticket.objects.exists()


def test_resolving_the_alert_by_hand_resolves_its_incident(shop_host, olga):
    make_rule(name="Disk", critical_threshold=95)
    run_sequence(shop_host, "test.disk.percent", [99], start_time())
    alert = Alert.objects.get()
    services.resolve(alert, olga)
    assert Ticket.objects.get().status == TicketStatus.RESOLVED


def test_a_new_alert_after_the_incident_resolved_opens_a_new_incident(shop_host):
    start = start_time()
    make_rule(name="Disk", critical_threshold=95)
    run_sequence(shop_host, "test.disk.percent", [99, 40, 99], start)
    assert Ticket.objects.count() == 2
