"""Teams, members, rotas, overrides and hand-over notes through the API and the CLI, as the
roles allow: managers change them, everyone reads them, a person covers a shift themselves."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import RotaOverride, Team
from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(olga, dave):
    team = services.create_team(name="Ops", lead=olga)
    services.add_member(team, dave, role="expert", responsibility="PostgreSQL")
    services.create_rota(
        team=team,
        name="Primary",
        rotation="daily",
        start_date=timezone.localdate() - dt.timedelta(days=10),
        handover_time=dt.time(0, 0),
        members=[olga, dave],
    )
    return team


def test_a_manager_creates_a_team_with_members_over_the_api(mark, olga, api_client_for):
    client = api_client_for(mark)
    created = client.post("/api/v1/teams/", {"name": "Service desk", "lead": "olga"}, format="json")
    assert created.status_code == 201, created.json()
    added = client.post(
        "/api/v1/team-memberships/",
        {"team": "Service desk", "user": "mark", "responsibility": "escalations"},
        format="json",
    )
    assert added.status_code == 201
    team = client.get(f"/api/v1/teams/{created.json()['id']}/").json()
    assert {m["user"] for m in team["members"]} == {"olga", "mark"}  # the lead is a member


def test_a_team_name_is_unique_and_a_viewer_may_not_add_one(ops, mark, victor, api_client_for):
    duplicate = api_client_for(mark).post("/api/v1/teams/", {"name": "Ops"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    refused = api_client_for(victor).post("/api/v1/teams/", {"name": "X"}, format="json")
    assert refused.status_code == 403


def test_the_lead_cannot_be_removed_from_the_team(ops, olga):
    with pytest.raises(Exception, match="choose another lead first"):
        services.remove_member(ops, olga)


def test_an_engineer_covers_a_shift_themselves_but_not_for_a_colleague(
    ops, olga, dave, api_client_for
):
    rota = ops.rotas.get()
    now = timezone.now()
    window = {"start": now.isoformat(), "end": (now + dt.timedelta(hours=3)).isoformat()}
    client = api_client_for(dave)
    mine = client.post(
        "/api/v1/rota-overrides/", {"rota": rota.pk, "user": "dave", **window}, format="json"
    )
    assert mine.status_code == 201, mine.json()
    theirs = client.post(
        "/api/v1/rota-overrides/", {"rota": rota.pk, "user": "olga", **window}, format="json"
    )
    assert theirs.status_code == 403
    on_call = client.get("/api/v1/on-call/", {"team": "Ops"}).json()["results"][0]
    assert on_call["user"] == "dave" and on_call["override"] is True
    note = client.post(
        "/api/v1/handover-notes/", {"rota": rota.pk, "text": "erp-host disk at 85%"}, format="json"
    )
    assert note.status_code == 201 and note.json()["author"] == "dave"


def test_a_rota_is_created_with_its_members_in_order_and_lists_its_shifts(
    ops, mark, api_client_for
):
    client = api_client_for(mark)
    created = client.post(
        "/api/v1/rotas/",
        {
            "team": "Ops",
            "name": "Backup",
            "rotation": "weekly",
            "start_date": str(timezone.localdate()),
            "time_zone": "Asia/Shanghai",
            "members": ["dave", "olga"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["members"] == ["dave", "olga"]
    shifts = client.get(f"/api/v1/rotas/{created.json()['id']}/shifts/?count=3").json()
    assert [s["user"] for s in shifts] == ["dave", "olga", "dave"]
    feed = client.post(f"/api/v1/rotas/{created.json()['id']}/feed/")
    assert feed.json()["url"].endswith(".ics")
    bad = client.post(
        "/api/v1/rotas/",
        {"team": "Ops", "name": "Bad", "time_zone": "Mars/Olympus", "members": ["nobody"]},
        format="json",
    )
    assert bad.status_code == 400 and "members" in bad.json()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_lists_shows_and_adds_teams_and_members(ops, capsys):
    code, out, _ = run(capsys, "team", "list")
    assert code == EXIT_OK and "Ops" in out and "olga" in out
    code, out, _ = run(capsys, "team", "add", "DBA", "--lead", "dave")
    assert code == EXIT_OK and Team.objects.get(name="DBA").lead.username == "dave"
    assert run(capsys, "team", "member", "add", "DBA", "olga", "--role", "deputy")[0] == EXIT_OK
    code, out, _ = run(capsys, "--json", "team", "show", "DBA")
    shown = json.loads(out)
    assert {m["user"]: m["role"] for m in shown["members"]} == {"dave": "member", "olga": "deputy"}
    assert run(capsys, "team", "member", "remove", "DBA", "olga")[0] == EXIT_OK
    assert run(capsys, "team", "show", "Nope")[0] == EXIT_NOT_FOUND


def test_the_cli_says_who_is_on_call_and_takes_an_override(ops, capsys, dave):
    code, out, _ = run(capsys, "--json", "oncall", "now", "Ops")
    assert code == EXIT_OK and json.loads(out)[0]["user"] in ("olga", "dave")
    start = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    end = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    code, _out, err = run(
        capsys, "--as", "dave", "oncall", "override", "Ops", "olga", "--start", start, "--end", end
    )
    assert code == EXIT_USAGE and "for yourself only" in err
    code, _out, _err = run(
        capsys,
        "--as",
        "dave",
        "oncall",
        "override",
        "Ops",
        "dave",
        "--start",
        start,
        "--end",
        end,
        "--reason",
        "swap",
    )
    assert code == EXIT_OK and RotaOverride.objects.get().user == dave
    code, out, _ = run(capsys, "--json", "oncall", "now", "Ops")
    assert json.loads(out)[0]["user"] == "dave"
    code, out, _ = run(capsys, "oncall", "shifts", "Ops", "--count", "2")
    assert code == EXIT_OK and "swap" in out
    assert run(capsys, "oncall", "note", "Ops", "all quiet")[0] == EXIT_OK
    code, out, _ = run(capsys, "oncall", "feed", "Ops")
    assert code == EXIT_OK and "/account/oncall/" in out


def test_the_cli_refuses_a_bad_moment_with_a_usage_error(ops, capsys):
    code, _out, err = run(
        capsys, "oncall", "override", "Ops", "dave", "--start", "tomorrow", "--end", "later"
    )
    assert code == EXIT_USAGE and "YYYY-MM-DD" in err


def test_the_cli_builds_a_rota(ops, capsys):
    code, out, _ = run(
        capsys,
        "oncall",
        "rota",
        "Ops",
        "Nights",
        "--members",
        "dave,olga",
        "--rotation",
        "daily",
        "--handover",
        "20:00",
        "--time-zone",
        "Asia/Shanghai",
    )
    assert code == EXIT_OK
    rota = ops.rotas.get(name="Nights")
    assert [m.user.username for m in rota.members.all()] == ["dave", "olga"]
    assert rota.handover_time == dt.time(20, 0)
