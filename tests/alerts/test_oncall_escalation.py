"""An escalating alert pages the person on call for the rule's escalation team, by e-mail
through the platform's e-mail channel (a real SMTP server), and the alert records whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.accounts.teams import services as teams
from erpkeeper.alerts.engine import evaluate
from erpkeeper.alerts.models import AlertRule
from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_OK, main
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications import services as channel_services
from tests.fixtures.alerts import feed, make_host, make_rule, only_alert, start_time
from tests.fixtures.receivers import SmtpReceiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("own_rules_only")]


@pytest.fixture
def sink(db):
    """The platform's e-mail channel, pointing at a real SMTP server on 127.0.0.1."""
    with SmtpReceiver() as receiver:
        channel_services.create_channel(
            name="ops-mail",
            kind="email",
            config={
                "host": "127.0.0.1",
                "port": receiver.port,
                "security": "none",
                "from_address": "erpkeeper@example.com",
                "recipients": "ops-list@example.com",
            },
        )
        yield receiver


def ops_team(start, *members):
    """A team whose weekly rota has ``members`` in order, the first on call at ``start``."""
    team = teams.create_team(name="Ops")
    teams.create_rota(
        team=team,
        name="Primary",
        rotation="weekly",
        handover_time=dt.time(0, 0),
        time_zone="UTC",
        start_date=start.astimezone(dt.UTC).date(),
        members=members,
    )
    return team


def escalate_disk_alert(team, start):
    host = make_host()
    make_rule(escalate_after_minutes=5, escalation_team=team, repeat_minutes=0)
    for minutes in (0, 4, 5, 6):
        moment = start + dt.timedelta(minutes=minutes)
        feed(host, "test.disk.percent", 90, moment)
        evaluate(moment)
    return only_alert()


def pages(sink) -> dict[str, list[str]]:
    """Subjects of the mails that reached each person (not the ops list)."""
    found: dict[str, list[str]] = {}
    for item in sink.messages:
        for address in item["to"]:
            if address != "ops-list@example.com":
                found.setdefault(address, []).append(str(item["message"]["subject"]))
    return found


def test_the_person_on_call_is_paged_when_an_alert_escalates(sink, olga, dave):
    start = start_time()
    team = ops_team(start, olga, dave)
    alert = escalate_disk_alert(team, start)
    assert pages(sink) == {"olga@example.com": ["[ESCALATED] Disk on erp-host: paging olga"]}
    assert alert.paged_user == olga and alert.paged_address == "olga@example.com"
    assert alert.escalated_at == start + dt.timedelta(minutes=5)
    page = sink.messages[-1]["message"].get_content()
    assert "olga is on call for Ops and is paged." in page


def test_an_override_pages_the_person_covering_instead(sink, olga, dave):
    start = start_time()
    team = ops_team(start, olga, dave)
    rota = team.rotas.get()
    teams.add_override(
        rota, dave, start, start + dt.timedelta(hours=2), reason="olga at the dentist"
    )
    alert = escalate_disk_alert(team, start)
    assert list(pages(sink)) == ["dave@example.com"]
    assert alert.paged_user == dave


def test_a_new_rota_order_pages_the_new_first_person(sink, olga, dave):
    start = start_time()
    team = ops_team(start, olga, dave)
    teams.set_members(team.rotas.get(), [dave, olga])
    escalate_disk_alert(team, start)
    assert list(pages(sink)) == ["dave@example.com"]


def test_an_override_for_a_different_moment_changes_nothing(sink, olga, dave):
    start = start_time()
    team = ops_team(start, olga, dave)
    later = start + dt.timedelta(days=1)
    teams.add_override(team.rotas.get(), dave, later, later + dt.timedelta(hours=1))
    escalate_disk_alert(team, start)
    assert list(pages(sink)) == ["olga@example.com"]


def test_with_nobody_on_call_the_alert_says_so_and_the_message_stays_for_every_channel(sink):
    start = start_time()
    team = teams.create_team(name="Night")
    alert = escalate_disk_alert(team, start)
    assert alert.paged_user is None and alert.page_error == "nobody is on call for Night"
    escalation = OutboxMessage.objects.get(event__startswith="escalated:")
    assert "Nobody is on call for Night." in escalation.body
    # Not swallowed: pending, the general delivery sends it to every channel that takes it.
    assert escalation.state == OutboxMessage.State.PENDING


def test_a_rule_may_escalate_to_a_team_without_a_channel_but_not_without_a_delay(db):
    team = teams.create_team(name="DBA")
    rule = make_rule(escalate_after_minutes=10, escalation_team=team)
    assert rule.escalation_team == team
    with pytest.raises(ValidationError) as caught:
        make_rule(name="Other", escalation_team=team)
    assert "a channel or a team" in str(caught.value)


def test_the_cli_and_the_api_name_a_rules_escalation_team(olga, api_client_for):
    teams.create_team(name="Ops")
    assert (
        main(
            [
                "alert",
                "rule",
                "add",
                "Disk full",
                "--metric",
                "host.disk.percent",
                "--warning",
                "90",
                "--escalate-after",
                "15",
                "--escalation-team",
                "Ops",
            ]
        )
        == EXIT_OK
    )
    rule = AlertRule.objects.get(name="Disk full")
    assert rule.escalation_team.name == "Ops"
    shown = api_client_for(olga).get(f"/api/v1/alert-rules/{rule.pk}/").json()
    assert shown["escalation_team"] == "Ops"
    assert (
        main(
            [
                "alert",
                "rule",
                "add",
                "X",
                "--metric",
                "host.disk.percent",
                "--warning",
                "90",
                "--escalate-after",
                "5",
                "--escalation-team",
                "Nobody",
            ]
        )
        == EXIT_NOT_FOUND
    )
