"""The console's team pages as people use them: the on-call page with its timeline, a team
with members, an override (for oneself unless a manager), a hand-over note, an announcement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Announcement, RotaOverride, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(olga, dave):
    team = services.create_team(name="Ops", lead=olga)
    services.create_rota(
        team=team,
        name="Primary",
        rotation="weekly",
        start_date=timezone.localdate() - dt.timedelta(days=2),
        handover_time=dt.time(0, 0),
        members=[olga, dave],
    )
    return team


def local(moment: dt.datetime) -> dict:
    moment = timezone.localtime(moment)
    return {"0": moment.strftime("%Y-%m-%d"), "1": moment.strftime("%H:%M:%S")}


def override_form(rota, user, start, end) -> dict:
    data = {"rota": rota.pk, "user": user.pk, "reason": "swap"}
    data.update({f"start_{k}": v for k, v in local(start).items()})
    data.update({f"end_{k}": v for k, v in local(end).items()})
    return data


def test_the_on_call_page_names_the_person_on_call_and_the_coming_shifts(
    ops, victor, console_client_for
):
    page = console_client_for(victor).get("/accounts/rota/on-call/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "On call now: <strong>olga</strong>" in text
    assert text.count('role="listitem"') == 8  # the timeline's coming shifts
    longer = console_client_for(victor).get("/accounts/rota/on-call/?shifts=12")
    assert longer.content.decode().count('role="listitem"') == 12


def test_a_manager_adds_a_team_in_the_console(mark, dave, console_client_for):
    response = console_client_for(mark).post(
        "/accounts/team/add/",
        {
            "name": "DBA",
            "description": "databases",
            "lead": dave.pk,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    team = Team.objects.get(name="DBA")
    assert team.lead == dave and team.memberships.filter(user=dave).exists()


def test_an_engineer_covers_a_shift_in_the_console_but_not_for_someone_else(
    ops, olga, dave, console_client_for
):
    client = console_client_for(dave)
    rota = ops.rotas.get()
    start, end = timezone.now(), timezone.now() + dt.timedelta(hours=4)
    refused = client.post("/accounts/rotaoverride/add/", override_form(rota, olga, start, end))
    assert refused.status_code == 200 and "for yourself only" in refused.content.decode()
    done = client.post("/accounts/rotaoverride/add/", override_form(rota, dave, start, end))
    assert done.status_code == 302
    assert RotaOverride.objects.get().created_by == dave
    assert services.on_call(ops) == dave
    note = client.post("/accounts/handovernote/add/", {"rota": rota.pk, "text": "all quiet"})
    assert note.status_code == 302 and rota.handover_notes.get().author == dave


def test_a_manager_writes_an_announcement_for_the_portal(mark, console_client_for):
    now = timezone.localtime()
    response = console_client_for(mark).post(
        "/accounts/announcement/add/",
        {
            "title": "Planned downtime",
            "text": "Sunday 02:00-04:00",
            "title_zh": "计划停机",
            "text_zh": "周日 02:00-04:00",
            "level": "warning",
            "to_portal": "on",
            "starts_0": now.strftime("%Y-%m-%d"),
            "starts_1": now.strftime("%H:%M:%S"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    announcement = Announcement.objects.get()
    assert announcement.created_by == mark and announcement.to_portal


@pytest.mark.parametrize("username", ["victor", "helen", "mark"])
def test_everyone_reads_the_team_pages(ops, username, personas, console_client_for):
    client = console_client_for(personas[username])
    services.create_announcement(title="Hello", to_team=False, to_portal=True)
    services.add_override(
        ops.rotas.get(), ops.lead, timezone.now(), timezone.now() + dt.timedelta(hours=1)
    )
    services.write_handover_note(ops.rotas.get(), "quiet", actor=ops.lead)
    for path in (
        "/accounts/team/",
        f"/accounts/team/{ops.pk}/change/",
        "/accounts/raciassignment/matrix/",
        "/accounts/rota/",
        "/accounts/rota/on-call/",
        "/accounts/rotaoverride/",
        "/accounts/handovernote/",
        "/accounts/announcement/",
    ):
        assert client.get(path).status_code == 200, path
