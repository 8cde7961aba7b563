"""Days the holiday library does not know yet (the next year's 调休 before a release carries
it, a company's own closing day): entered from the console, the API or the CLI, and counted by
the SLA clock of every queue on that calendar at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from erpkeeper.cli import main
from erpkeeper.core.models import AuditEntry
from erpkeeper.servicedesk.models import CalendarDay, Queue
from erpkeeper.servicedesk.services.sla import working_time_for
from erpkeeper.servicedesk.sla.clock import DAY_KEYS

pytestmark = pytest.mark.django_db

DAYS = "/api/v1/calendar-days/"
FRIDAY_EVENING = (2027, 2, 19, 17)  # a Friday; the 20th is an ordinary Saturday


@pytest.fixture
def office_queue():
    return Queue.objects.create(
        name="Finance help",
        business_hours=dict.fromkeys(DAY_KEYS[:5], "09:00-12:00,13:00-18:00"),
        time_zone="Asia/Shanghai",
        holiday_calendar="CN",
    )


def due_after_two_hours(queue) -> dt.datetime:
    working = working_time_for(queue, dt.date(2027, 2, 19))
    return working.add_minutes(dt.datetime(*FRIDAY_EVENING, tzinfo=working.zone), 120)


def test_an_entered_working_saturday_and_day_off_move_the_sla_clock(office_queue, personas):
    assert due_after_two_hours(office_queue).date() == dt.date(2027, 2, 22)  # Monday

    assert main(["ticket", "calendar", "set", "2027-02-20", "working_day", "--note", "调休"]) == 0
    assert due_after_two_hours(office_queue) == dt.datetime(
        2027, 2, 20, 10, tzinfo=due_after_two_hours(office_queue).tzinfo
    )

    assert main(["ticket", "calendar", "set", "2027-02-20", "day_off"]) == 0  # replaces it
    assert main(["ticket", "calendar", "set", "2027-02-22", "day_off"]) == 0
    assert due_after_two_hours(office_queue).date() == dt.date(2027, 2, 23)
    assert CalendarDay.objects.count() == 2
    assert AuditEntry.objects.filter(object_type="servicedesk.calendarday").count() >= 3


def test_the_cli_lists_removes_and_refuses_bad_input(capsys):
    assert main(["ticket", "calendar", "set", "2027-02-20", "working_day"]) == 0
    capsys.readouterr()
    assert main(["--json", "ticket", "calendar", "list"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["date"] == "2027-02-20" and listed["kind"] == "working_day"

    assert main(["ticket", "calendar", "set", "2027-02-31", "day_off"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["ticket", "calendar", "set", "2027-03-01", "day_off", "--calendar", "XX"]) == 2
    assert "XX is not a holiday calendar" in capsys.readouterr().err
    assert main(["ticket", "calendar", "remove", "2027-03-01"]) == 3
    assert main(["ticket", "calendar", "remove", "2027-02-20"]) == 0
    assert not CalendarDay.objects.exists()


def test_api_adds_and_removes_days_and_answers_400_on_bad_ones(personas, api_client_for):
    alice = api_client_for(personas["alice"])
    created = alice.post(DAYS, {"date": "2027-02-20", "kind": "working_day"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["calendar"] == "CN"

    bad = alice.post(DAYS, {"date": "2027-02-21", "kind": "holiday"}, format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    unknown = alice.post(
        DAYS, {"date": "2027-02-21", "kind": "day_off", "calendar": "ZZ"}, format="json"
    )
    assert unknown.status_code == 400 and "ZZ" in unknown.json()["calendar"][0]
    assert CalendarDay.objects.count() == 1

    victor = api_client_for(personas["victor"])
    assert victor.post(DAYS, {"date": "2027-02-22", "kind": "day_off"}).status_code == 403
    assert alice.delete(f"{DAYS}{created.json()['id']}/").status_code == 204


def test_the_console_form_saves_through_the_service(personas, console_client_for):
    client = console_client_for(personas["alice"])
    form = {"calendar": "cn", "date": "2027-02-20", "kind": "working_day", "note": "春节调休"}
    response = client.post("/servicedesk/calendarday/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = CalendarDay.objects.get()
    assert entry.calendar == "CN" and entry.note == "春节调休"

    bad = client.post("/servicedesk/calendarday/add/", {**form, "calendar": "QQ"})
    assert bad.status_code == 200 and "QQ is not a holiday calendar" in bad.content.decode()
    assert CalendarDay.objects.count() == 1
