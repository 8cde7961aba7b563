"""Announcements: to the team through the outbox and by mail to its members (a real SMTP
server), and as a banner on the portal between its start and end, in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Announcement
from erpkeeper.cli import EXIT_OK, main
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications import services as channel_services
from tests.fixtures.receivers import SmtpReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def sink(db):
    with SmtpReceiver() as receiver:
        channel_services.create_channel(
            name="mail",
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


def test_a_team_announcement_goes_to_the_outbox_and_to_each_member(sink, olga, dave, mark):
    team = services.create_team(name="Ops", lead=olga)
    services.add_member(team, dave)
    announcement = services.create_announcement(
        title="ERP upgrade on Saturday",
        text="Tryton 8.2 to 8.4 from 20:00.",
        title_zh="周六升级 ERP",
        level="warning",
        team=team,
        actor=mark,
    )
    assert announcement.sent_at is not None and announcement.created_by == mark
    message = OutboxMessage.objects.get(source="accounts")
    assert message.subject == "ERP upgrade on Saturday" and "周六升级 ERP" in message.body
    assert message.severity == "warning"
    mailed = sorted(address for m in sink.messages for address in m["to"])
    assert mailed == ["dave@example.com", "olga@example.com"]


def test_a_later_announcement_is_sent_once_its_start_has_come(db):
    later = timezone.now() + dt.timedelta(hours=1)
    announcement = services.create_announcement(title="Maintenance tonight", starts=later)
    assert announcement.sent_at is None and services.send_due_announcements() == 0
    Announcement.objects.filter(pk=announcement.pk).update(starts=timezone.now())
    assert services.send_due_announcements() == 1
    assert services.send_due_announcements() == 0  # once only
    assert OutboxMessage.objects.filter(source="accounts").count() == 1


def test_an_announcement_goes_somewhere_and_ends_after_it_starts(db):
    with pytest.raises(ValidationError, match="or both"):
        services.create_announcement(title="Nowhere", to_team=False, to_portal=False)
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        services.create_announcement(title="Backwards", starts=now, ends=now)
    assert "ends after it starts" in str(caught.value)


def test_the_portal_shows_current_announcements_in_the_readers_language(client, db):
    now = timezone.now()
    services.create_announcement(
        title="The ERP is slow this morning",
        title_zh="今天上午 ERP 较慢",
        text="We are on it.",
        text_zh="我们正在处理。",
        to_team=False,
        to_portal=True,
        starts=now - dt.timedelta(hours=1),
        ends=now + dt.timedelta(hours=1),
    )
    services.create_announcement(
        title="Over already",
        to_team=False,
        to_portal=True,
        starts=now - dt.timedelta(hours=3),
        ends=now - dt.timedelta(hours=2),
    )
    english = client.get("/portal/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The ERP is slow this morning" in english and "Over already" not in english
    chinese = client.get("/portal/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "今天上午 ERP 较慢" in chinese and "我们正在处理。" in chinese


def test_the_cli_announces_to_the_portal(capsys, db):
    code = main(["announce", "add", "Portal closed Sunday", "--portal", "--no-team"])
    assert code == EXIT_OK
    announcement = Announcement.objects.get()
    assert announcement.to_portal and not announcement.to_team and announcement.sent_at is None
    assert main(["announce", "list"]) == EXIT_OK
    assert "Portal closed Sunday" in capsys.readouterr().out


def test_a_manager_announces_over_the_api_and_a_viewer_may_not(mark, victor, api_client_for):
    body = {"title": "New on-call rota", "to_portal": False}
    created = api_client_for(mark).post("/api/v1/announcements/", body, format="json")
    assert created.status_code == 201 and created.json()["sent_at"]
    refused = api_client_for(victor).post("/api/v1/announcements/", body, format="json")
    assert refused.status_code == 403
