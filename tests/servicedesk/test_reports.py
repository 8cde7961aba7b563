"""The service desk's reports, each measure checked against a small history built by hand
through the desk's own services (at given moments), with the expected numbers worked out here.

The history, in the 24x7 "Helpdesk" queue (P4: answer within 60 min, solve within 8 h; P1:
15 min and 4 h), reported for November 2026 on 30 November at 12:00:

    T6  P4  20 Oct 09:00, answered 09:20, resolved 1 Nov 08:00 (late), rated 4      helen
    T1  P4   2 Nov 09:00, answered 09:30, resolved 12:00 (both in time), rated 5     helen
    T2  P4   3 Nov 09:00, answered 11:00 (late) and 15:00, resolved 4 Nov (late),
             rated 2                                                                 helen
    T3  P1   5 Nov 09:00, answered 09:10, resolved 10:00, reopened by the requester
             6 Nov 09:00, resolved 10:00 (in time: the resolved night is not counted) olga
    T4  P4  10 Nov 09:00, open, never answered (both targets missed)                 helen
    T7  P4  12 Nov 09:00, merged into T4: counts nowhere
    T9  P4  26 Nov 12:00, new, never answered (both targets missed)                  nobody
    T5  P4  29 Nov 14:00, answered 14:30 and waiting since (paused: not missed)      nobody
    T8  P4  15 Sep 09:00, open, its targets long before the period                   helen
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import HelpSearch, Ticket, TicketStatus
from erpkeeper.servicedesk.services import portal, reports
from tests.servicedesk.report_history import NOW, at, opened
from tests.servicedesk.test_portal import make_portal_user


def november(**options):
    period = reports.parse_period("2026-11-01", "2026-11-30", **options)
    return reports.desk_report(period, now=at(*NOW[1:]))


def test_volume_counts_created_and_resolved_tickets_per_day_without_merged_ones(history):
    volume = november()["volume"]
    assert len(volume) == 30 and volume[0]["period"] == "2026-11-01"
    created = {row["period"]: row["created"] for row in volume if row["created"]}
    resolved = {row["period"]: row["resolved"] for row in volume if row["resolved"]}
    assert created == {
        "2026-11-02": 1,
        "2026-11-03": 1,
        "2026-11-05": 1,
        "2026-11-10": 1,
        "2026-11-26": 1,
        "2026-11-29": 1,
    }
    # T3 counts once, on the day it was resolved for good.
    assert resolved == {"2026-11-01": 1, "2026-11-02": 1, "2026-11-04": 1, "2026-11-06": 1}


def test_volume_per_week_starts_on_monday(history):
    volume = november(grain="week")["volume"]
    assert [row["period"] for row in volume] == [
        "2026-10-26",
        "2026-11-02",
        "2026-11-09",
        "2026-11-16",
        "2026-11-23",
        "2026-11-30",
    ]
    assert [row["created"] for row in volume] == [0, 3, 1, 0, 2, 0]
    assert [row["resolved"] for row in volume] == [1, 3, 0, 0, 0, 0]


def test_backlog_is_the_active_tickets_now_by_age(history):
    backlog = november()["backlog"]
    assert backlog["total"] == 4
    ages = {row["age"]: row["tickets"] for row in backlog["ages"]}
    # T5 is 22 h old, T9 4 days, T4 20 days, T8 76 days.
    assert ages == {"under_1d": 1, "1_3d": 0, "3_7d": 1, "7_30d": 1, "over_30d": 1}
    statuses = {row["status"]: row["tickets"] for row in backlog["statuses"]}
    assert statuses == {"new": 1, "open": 2, "waiting": 1}


def test_sla_attainment_per_priority(history):
    sla = {row["priority"]: row for row in november()["sla"]}
    # P4 first responses: T1 and T5 in time; T2 late, T4 and T9 never answered.
    assert (sla["p4"]["response_met"], sla["p4"]["response_missed"]) == (2, 3)
    assert sla["p4"]["response_percent"] == 40.0
    # P4 resolutions: T1 in time; T2 and T6 late, T4 and T9 past due (T5 is paused).
    assert (sla["p4"]["resolution_met"], sla["p4"]["resolution_missed"]) == (1, 4)
    assert sla["p4"]["resolution_percent"] == 20.0
    assert sla["p1"]["response_percent"] == 100.0 and sla["p1"]["resolution_percent"] == 100.0
    assert sla["p2"]["response_percent"] is None and sla["p3"]["resolution_met"] == 0


def test_first_contact_resolution_needs_one_agent_reply_and_no_reopening(history):
    # Resolved in November: T6 and T1 (one reply each), T2 (two replies), T3 (reopened).
    assert november()["first_contact_resolution"] == {
        "resolved": 4,
        "first_contact": 2,
        "percent": 50.0,
    }


def test_reopen_rate_is_the_share_of_resolved_tickets_reopened(history):
    assert november()["reopened"] == {"resolved": 4, "reopened": 1, "percent": 25.0}


def test_csat_trend_per_week_and_the_latest_comments(history):
    csat = november()["csat"]
    assert csat["ratings"] == 3 and csat["average"] == 3.67  # (4 + 5 + 2) / 3
    weeks = {row["week"]: (row["ratings"], row["average"]) for row in csat["trend"]}
    assert weeks["2026-10-26"] == (1, 4.0)  # T6, resolved on Sunday 1 November
    assert weeks["2026-11-02"] == (2, 3.5)
    assert weeks["2026-11-09"] == (0, None)
    assert [(c["rating"], c["comment"]) for c in csat["comments"]] == [
        (2, "Too slow"),
        (5, "Quick and clear"),
    ]


def test_top_categories_and_erp_modules_of_the_tickets_created(history):
    report = november()
    assert [(row["category"], row["tickets"]) for row in report["categories"]] == [
        ("error", 3),
        ("question", 2),
        ("access", 1),
    ]
    assert report["categories"][0]["label"] == "Error in the ERP"
    assert [(row["erp_module"], row["tickets"]) for row in report["erp_modules"]] == [
        ("stock", 3),
        ("sale", 2),
    ]


def test_agent_workload_counts_active_tickets_and_those_resolved(history):
    workload = november()["workload"]
    assert [(row["assignee"], row["active"], row["open"], row["resolved"]) for row in workload] == [
        ("helen", 2, 2, 3),
        (None, 2, 0, 0),
        ("olga", 0, 0, 1),
    ]
    assert workload[1]["new"] == 1 and workload[1]["waiting"] == 1


def test_a_queue_filter_keeps_other_queues_out(history, desk):
    other = desk.__class__.objects.create(name="Finance", holiday_calendar="")
    opened(at(11, 20, 9), "question", queue=other)
    assert sum(row["created"] for row in november(queue="Finance")["volume"]) == 1
    assert november(queue="Finance")["backlog"]["total"] == 1
    assert sum(row["created"] for row in november(queue="Helpdesk")["volume"]) == 6


@pytest.fixture
def paula(db):
    return make_portal_user("paula")


# -- deflection -----------------------------------------------------------------------------------


def test_deflection_shows_no_data_while_nothing_is_suggested(history):
    assert november()["deflection"] == {"searches": 0, "deflected": 0, "percent": None}


def test_deflection_is_the_share_of_visits_with_suggestions_that_opened_no_ticket(desk, paula):
    first = portal.record_suggestions(paula, "invoice", 2)
    # The same visit typing on: still one search.
    assert portal.record_suggestions(paula, "invoice will not post", 3, first) == first
    portal.record_suggestions(paula, "password", 1)
    third = portal.record_suggestions(paula, "stock", 1)
    ticket = services.open_ticket(subject="stock", body="Wrong count.", requester=paula)
    portal.ticket_followed(paula, third, ticket)
    assert portal.record_suggestions(paula, "nothing found", 0) is None
    assert HelpSearch.objects.get(pk=first).query == "invoice will not post"

    today = timezone.localdate().isoformat()
    period = reports.parse_period(today, today)
    later = timezone.now() + dt.timedelta(hours=1)
    assert reports.desk_report(period, now=later)["deflection"] == {
        "searches": 3,
        "deflected": 2,
        "percent": 66.7,
    }
    # A visit of the last half hour may still end in a ticket: not counted yet.
    assert reports.desk_report(period)["deflection"]["searches"] == 0


# -- the period -----------------------------------------------------------------------------------


def test_the_default_period_is_the_last_30_days_counted_per_day(db):
    period = reports.parse_period(today=dt.date(2026, 11, 30))
    assert (period.start, period.end, period.grain) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
        "day",
    )
    assert reports.parse_period("2026-01-01", "2026-06-30").grain == "week"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"start": "2026-13-01"}, "from"),
        ({"start": "yesterday"}, "from"),
        ({"end": "30/11/2026"}, "to"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "from"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "from"),
        ({"queue": "No such queue"}, "queue"),
        ({"target": "nowhere"}, "target"),
        ({"grain": "month"}, "group"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(db, arguments, field):
    with pytest.raises(ValidationError) as refused:
        reports.parse_period(**arguments)
    assert field in refused.value.message_dict


def test_a_report_over_an_empty_desk_has_no_invented_numbers(desk):
    report = reports.desk_report(reports.parse_period())
    assert report["first_contact_resolution"]["percent"] is None
    assert report["reopened"]["percent"] is None
    assert report["csat"]["average"] is None
    assert all(row["response_percent"] is None for row in report["sla"])
    assert report["backlog"]["total"] == 0 and report["workload"] == []


def test_statuses_of_the_history_are_as_built(history):
    # A guard on the fixture itself: the report tests above rely on these.
    assert Ticket.objects.filter(status=TicketStatus.WAITING).count() == 1
    assert Ticket.objects.filter(reopen_count=1).count() == 1


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"])
def test_days_and_weeks_are_those_of_the_platforms_time_zone(desk, zone):
    # Beijing keeps one offset (counted by SQLite's own date()); Berlin and New York change
    # theirs around the period (counted by Django's time zone functions): the same days.
    with timezone.override(zone):
        for when in (at(11, 2, 0, 10), at(11, 2, 23, 30), at(11, 3, 0, 30), at(11, 8, 23, 59)):
            opened(when)
        daily = {row["period"]: row["created"] for row in november()["volume"] if row["created"]}
        weekly = {row["period"]: row["created"] for row in november(grain="week")["volume"]}
    assert daily == {"2026-11-02": 2, "2026-11-03": 1, "2026-11-08": 1}
    assert weekly["2026-11-02"] == 4 and weekly["2026-10-26"] == 0
