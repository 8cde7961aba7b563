"""Changes through the API, the CLI and the console: who may do what, the 409s of illegal
steps, the calendar (month, week, .ics), the metrics, and a real safety backup."""

from __future__ import annotations

import datetime as dt
import json

from icalendar import Calendar

from erpkeeper.changes import services
from erpkeeper.changes.models import BlackoutWindow, ChangeRequest, ChangeState, SafetyBackup
from erpkeeper.changes.services.metrics import metrics
from erpkeeper.changes.services.safety import request_due_safety_backups, safety_status
from erpkeeper.cli import main
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import Job
from erpkeeper.targets import services as targets
from tests.changes.conftest import ANSWERS, WINDOW, new_change, window_opening

CHANGES = "/api/v1/changes/"


def test_an_ops_engineer_creates_and_a_manager_approves_through_the_api(
    olga, mark, shop, api_client_for
):
    engineer, manager = api_client_for(olga), api_client_for(mark)
    created = engineer.post(
        CHANGES,
        {
            "title": "Activate sale_history",
            "targets": ["shop"],
            "backout_plan": "Deactivate it.",
            "risk_answers": ANSWERS,
            "checklist_steps": ["Announce", "Update"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["risk_level"] == "medium"
    assert engineer.post(f"{CHANGES}{pk}/submit/").json()["state"] == "submitted"
    assert engineer.post(f"{CHANGES}{pk}/approve/").status_code == 403

    approved = manager.post(f"{CHANGES}{pk}/approve/", {"comment": "ok"}, format="json")

    assert approved.json()["state"] == "approved"
    opens = window_opening()
    scheduled = engineer.post(
        f"{CHANGES}{pk}/schedule/",
        {
            "planned_start": opens.isoformat(),
            "planned_end": (opens + dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert scheduled.json()["state"] == "scheduled", scheduled.content


def test_illegal_steps_are_409_and_bad_input_400(olga, shop, api_client_for):
    client = api_client_for(olga)
    change = new_change(olga, [shop])

    started = client.post(f"{CHANGES}{change.pk}/start/")
    bad = client.post(f"{CHANGES}{change.pk}/complete/", {"outcome": "great"}, format="json")
    late = client.post(
        f"{CHANGES}{change.pk}/schedule/",
        {"planned_start": "2020-01-01T00:00:00Z", "planned_end": "2020-01-01T01:00:00Z"},
        format="json",
    )

    assert started.status_code == 409
    assert "Only a scheduled change can start" in started.json()["detail"]
    assert bad.status_code == 400 and "outcome" in bad.json()
    assert late.status_code == 409  # a draft is not scheduled at all


def test_a_viewer_reads_changes_but_changes_nothing(victor, submitted, api_client_for):
    client = api_client_for(victor)
    assert client.get(CHANGES).json()["count"] == 1
    assert client.post(f"{CHANGES}{submitted.pk}/approve/").status_code == 403
    assert client.post(CHANGES, {"title": "x"}, format="json").status_code == 403


def test_the_cli_takes_a_change_through_its_life(olga, mark, shop, capsys):
    assert (
        main(
            [
                "--as",
                "olga",
                "--json",
                "change",
                "create",
                "Add a tax rule",
                "--target",
                "shop",
                "--backout",
                "Remove it",
                "--step",
                "Check the invoices",
            ]
        )
        == 0
    )
    number = json.loads(capsys.readouterr().out)["number"]
    assert main(["--as", "olga", "change", "submit", number]) == 0
    assert main(["--as", "olga", "change", "approve", number]) == 2  # not on the board
    assert main(["--as", "mark", "change", "approve", number]) == 0
    opens = window_opening()
    end = opens + dt.timedelta(hours=1)
    assert (
        main(["--as", "olga", "change", "schedule", number, opens.isoformat(), end.isoformat()])
        == 0
    )
    assert main(["--as", "olga", "change", "start", number]) == 0
    assert main(["--as", "olga", "change", "complete", number, "failed", "--notes", "lock"]) == 0
    assert main(["--as", "olga", "change", "review", number, "--issues", "locks"]) == 0
    assert main(["--as", "olga", "change", "close", number]) == 0
    capsys.readouterr()
    assert main(["--json", "change", "show", number]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "closed" and shown["outcome"] == "failed"
    assert main(["change", "start", "CHG-1999-000001"]) == 3


def test_only_administrators_set_ci_secrets_from_the_cli(alice, olga, capsys):
    assert main(["--as", "olga", "change", "ci-secret", "github"]) == 2
    assert main(["--as", "alice", "--json", "change", "ci-secret", "github"]) == 0
    assert len(json.loads(capsys.readouterr().out)["secret"]) > 30


def scheduled_change(olga, mark, targets_):
    change = services.submit(new_change(olga, targets_), olga)
    services.decide(change, mark, "approve")
    opens = window_opening()
    return services.schedule(change, opens, opens + dt.timedelta(hours=2))


def test_the_calendar_shows_changes_windows_and_blackouts(
    olga, mark, shop, console_client_for, api_client_for
):
    change = scheduled_change(olga, mark, [shop])
    opens = change.planned_start
    BlackoutWindow.objects.create(
        name="春节封网", start=opens + dt.timedelta(days=2), end=opens + dt.timedelta(days=3)
    )
    client = console_client_for(olga)
    day = opens.date().isoformat()

    month = client.get("/changes/calendar/", {"date": day, "target": "shop"})
    week = client.get("/changes/calendar/", {"date": day, "view": "week"})
    feed = api_client_for(olga).get("/api/v1/changes/calendar.ics")

    assert month.status_code == 200 and change.number in month.text and "春节封网" in month.text
    assert "ek-window" in week.text and change.number in week.text
    assert feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"{change.number} {change.title}"]


def test_the_metrics_count_failures_lead_time_and_emergencies(olga, mark, shop, console_client_for):
    for outcome in ("implemented", "failed"):
        change = scheduled_change(olga, mark, [shop])
        services.start(change, olga)
        services.complete(change, outcome)
    services.submit(new_change(olga, [shop], change_type="emergency"), olga)

    found = metrics()
    page = console_client_for(olga).get("/changes/metrics/")

    assert found["failure_rate"] == 50.0
    assert round(found["emergency_share"]) == 33
    assert found["lead_time_hours"] is not None
    assert found["per_target"] == [{"targets__name": "shop", "count": 3}]
    assert page.status_code == 200 and "ek-change-trend" in page.text


def test_the_console_takes_a_change_through_its_steps(olga, mark, shop, console_client_for):
    change = new_change(olga, [shop], checklist=["Announce"])
    engineer, manager = console_client_for(olga), console_client_for(mark)
    step = f"/changes/changerequest/{change.pk}/step/%s/"

    engineer.post(step % "submit")
    manager.post(step % "approve", {"comment": "go"})
    refused = engineer.post(
        step % "schedule",
        {"planned_start": "2020-01-01T10:00", "planned_end": "2020-01-01T09:00"},
        follow=True,
    )

    change.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    assert "end must come after" in refused.text
    page = engineer.get(f"/changes/changerequest/{change.pk}/change/")
    assert page.status_code == 200 and 'data-testid="step-schedule"' in page.text


def test_a_safety_backup_is_taken_before_the_window_opens(olga, mark, sqlite_backup_target):
    targets.update_target(sqlite_backup_target, windows=[WINDOW])
    change = scheduled_change(olga, mark, [sqlite_backup_target])
    early = request_due_safety_backups(now=change.planned_start - dt.timedelta(hours=3))
    made = request_due_safety_backups(now=change.planned_start - dt.timedelta(minutes=30))

    assert early == [] and len(made) == 1
    assert request_due_safety_backups(now=change.planned_start - dt.timedelta(minutes=20)) == []
    assert run_job(made[0].job_id, heartbeat=False).status == Job.Status.SUCCEEDED
    (status,) = safety_status(ChangeRequest.objects.get(pk=change.pk))
    assert status.ok and status.backup_id is not None
    assert SafetyBackup.objects.get().job.status == Job.Status.SUCCEEDED


def test_the_console_edits_a_draft_with_its_risk_questionnaire(olga, shop, console_client_for):
    client = console_client_for(olga)
    add = client.get("/changes/changerequest/add/")
    created = client.post(
        "/changes/changerequest/add/",
        {
            "title": "Rotate the ERP's logs",
            "change_type": "normal",
            "targets": [shop.pk],
            "backout_plan": "Undo the logrotate rule.",
            "risk_users": "none",
            "risk_downtime": "none",
            "risk_data": "none",
            "risk_tested": "yes",
            "risk_backout": "easy",
            "checklist-TOTAL_FORMS": "1",
            "checklist-INITIAL_FORMS": "0",
            "checklist-0-position": "1",
            "checklist-0-text": "Check the disk",
        },
    )

    assert add.status_code == 200 and "risk_downtime" in add.text
    assert created.status_code == 302, created.content[:2000]
    change = ChangeRequest.objects.get()
    assert (change.risk_score, change.requester, change.checklist.count()) == (0, olga, 1)
    assert [t.name for t in change.targets.all()] == ["shop"]
    assert client.get(f"/changes/changerequest/{change.pk}/change/").status_code == 200
