"""On-call rotas: who is on call at a moment (rotation, hand-over time and time zone,
overrides), the coming shifts, the iCal feed a calendar app subscribes to, and who may cover
whom."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Rota

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def at(text: str, zone=SHANGHAI) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.fixture
def ops(olga, dave, sam):
    team = services.create_team(name="Ops", lead=olga)
    services.create_rota(
        team=team,
        name="Primary",
        rotation="weekly",
        handover_time=dt.time(9, 0),
        time_zone="Asia/Shanghai",
        start_date=dt.date(2026, 11, 2),  # a Monday
        members=[olga, dave, sam],
    )
    return team


def test_a_weekly_rota_hands_over_at_nine_on_the_start_weekday(ops, olga, dave, sam):
    assert services.on_call(ops, at("2026-11-02 09:00")) == olga
    assert services.on_call(ops, at("2026-11-09 08:59")) == olga
    assert services.on_call(ops, at("2026-11-09 09:00")) == dave
    assert services.on_call(ops, at("2026-11-16 12:00")) == sam
    assert services.on_call(ops, at("2026-11-23 12:00")) == olga  # round again


def test_nobody_is_on_call_before_the_first_shift(ops):
    assert services.on_call(ops, at("2026-11-02 08:59")) is None


def test_the_hand_over_follows_the_rotas_time_zone_not_the_servers(ops, dave):
    # 09:00 in Shanghai is 01:00 UTC.
    assert services.on_call(ops, dt.datetime(2026, 11, 9, 1, 0, tzinfo=dt.UTC)) == dave


def test_a_daily_rota_keeps_its_local_hand_over_across_daylight_saving(olga, dave):
    team = services.create_team(name="Berlin")
    services.create_rota(
        team=team,
        name="Daily",
        rotation="daily",
        handover_time=dt.time(9, 0),
        time_zone="Europe/Berlin",
        start_date=dt.date(2026, 3, 27),
        members=[olga, dave],
    )
    # Clocks go forward on 29 March 2026; the 30 March shift still starts at 09:00 local.
    assert services.on_call(team, at("2026-03-30 08:59", BERLIN)) == olga
    assert services.on_call(team, at("2026-03-30 09:00", BERLIN)) == dave
    shifts = services.upcoming_shifts(team.rotas.get(), 4, at("2026-03-28 10:00", BERLIN))
    assert [s.start.astimezone(BERLIN).hour for s in shifts] == [9, 9, 9, 9]


def test_an_override_wins_over_the_rotation_for_its_hours_only(ops, olga, sam, mark):
    rota = ops.rotas.get()
    services.add_override(
        rota, sam, at("2026-11-03 18:00"), at("2026-11-04 08:00"), reason="olga's exam", actor=mark
    )
    assert services.on_call(ops, at("2026-11-03 17:59")) == olga
    assert services.on_call(ops, at("2026-11-03 18:00")) == sam
    assert services.on_call(ops, at("2026-11-04 08:00")) == olga


def test_the_coming_shifts_show_an_override_in_place_of_the_hours_it_covers(ops, olga, dave, sam):
    rota = ops.rotas.get()
    services.add_override(rota, sam, at("2026-11-10 09:00"), at("2026-11-11 09:00"))
    shifts = services.upcoming_shifts(rota, 2, at("2026-11-05 12:00"))
    assert [
        (s.user.username, s.start.astimezone(SHANGHAI).day, bool(s.override)) for s in shifts
    ] == [
        ("olga", 2, False),
        ("dave", 9, False),
        ("sam", 10, True),
        ("dave", 11, False),
    ]


def test_a_person_may_cover_a_shift_themselves_but_not_put_someone_else_on_call(ops, dave, sam):
    rota = ops.rotas.get()
    mine = services.add_override(
        rota, dave, at("2026-11-03 00:00"), at("2026-11-03 12:00"), actor=dave
    )
    assert mine.created_by == dave
    with pytest.raises(PermissionDenied, match="for yourself only"):
        services.add_override(rota, sam, at("2026-11-03 00:00"), at("2026-11-03 12:00"), actor=dave)


def test_an_override_must_end_after_it_starts(ops, dave):
    with pytest.raises(ValidationError, match="ends after it starts"):
        services.add_override(ops.rotas.get(), dave, at("2026-11-03 12:00"), at("2026-11-03 12:00"))


def test_a_rota_refuses_an_unknown_time_zone(ops):
    with pytest.raises(ValidationError) as caught:
        services.create_rota(team=ops, name="Moon", time_zone="Moon/Base")
    assert "Moon/Base is not a time zone" in str(caught.value)
    assert not Rota.objects.filter(name="Moon").exists()


def test_hand_over_notes_are_kept_newest_first(ops, olga, dave):
    rota = ops.rotas.get()
    services.write_handover_note(rota, "Disk on erp-host grows 2 GB a day", actor=olga)
    services.write_handover_note(rota, "Backups fine", actor=dave)
    assert [n.text for n in services.latest_handover_notes(rota)] == [
        "Backups fine",
        "Disk on erp-host grows 2 GB a day",
    ]
    with pytest.raises(ValidationError):
        services.write_handover_note(rota, "   ", actor=olga)


def test_a_calendar_app_subscribes_to_the_feed_without_a_session(ops, client):
    rota = ops.rotas.get()
    token = services.new_feed_token(rota)
    rota.refresh_from_db()
    assert token not in rota.feed_token_hash  # only the hash is stored
    response = client.get(f"/account/oncall/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) >= 30
    assert {str(e["summary"]) for e in events[:3]} <= {
        "On call: olga",
        "On call: dave",
        "On call: sam",
    }


def test_a_new_feed_address_retires_the_old_one(ops, client):
    rota = ops.rotas.get()
    old = services.new_feed_token(rota)
    services.new_feed_token(rota)
    assert client.get(f"/account/oncall/{old}.ics").status_code == 404
    assert client.get("/account/oncall/guessed.ics").status_code == 404
