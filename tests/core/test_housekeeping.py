"""Old job runs, sent notifications and delivery attempts are pruned; what is pending, running,
recent or evidence stays, and the deletions are in the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from erpkeeper.cli import main
from erpkeeper.core.housekeeping import HousekeepingError, prune_history
from erpkeeper.core.models import AuditEntry, Job, OutboxMessage
from erpkeeper.core.scheduler import schedules
from erpkeeper.notifications.models import Delivery
from erpkeeper.notifications.services import create_channel

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=400)


def job(status, *, age_days=400):
    row = Job.objects.create(kind="target.check", status=status)
    moment = timezone.now() - dt.timedelta(days=age_days)
    finished = moment if status in Job.FINISHED else None
    Job.objects.filter(pk=row.pk).update(created=moment, finished=finished)
    return row


def message(state, *, age_days=400):
    row = OutboxMessage.objects.create(
        source="backups", event=f"e{OutboxMessage.objects.count()}", severity="critical",
        subject="Backup failed", dedupe_key=f"k{OutboxMessage.objects.count()}", state=state,
    )  # fmt: skip
    OutboxMessage.objects.filter(pk=row.pk).update(
        updated=timezone.now() - dt.timedelta(days=age_days)
    )
    return row


@pytest.fixture
def channel(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    return create_channel(name="ops", kind="webhook", secrets={"url": "http://127.0.0.1:9/h"})


def delivery(channel, msg, *, age_days=400):
    return Delivery.objects.create(
        channel=channel, message=msg, started=timezone.now() - dt.timedelta(days=age_days), ok=True
    )


@pytest.fixture
def history(channel):
    from erpkeeper.backups.models import Backup
    from erpkeeper.targets.models import Target

    target = Target(name="erp-prod")
    target.set_database_url("sqlite:////nonexistent/erp.sqlite")
    target.save()
    old_backup_job = job(Job.Status.SUCCEEDED)
    backup = Backup.objects.create(
        target=target, target_name="erp-prod", trigger="manual", location="x",
        destination=target.backup_policy.destination, job=old_backup_job, started=LONG_AGO,
    )  # fmt: skip
    done, state = Job.Status, OutboxMessage.State
    rows = {
        "old_jobs": [old_backup_job, job(done.FAILED), job(done.CANCELLED)],
        "kept_jobs": [job(done.RUNNING), job(done.QUEUED), job(done.SUCCEEDED, age_days=3)],
        "old_messages": [message(state.SENT), message(state.RESOLVED)],
        "kept_messages": [message(state.PENDING), message(state.SENT, age_days=3)],
        "backup": backup,
    }
    rows["old_deliveries"] = [delivery(channel, rows["old_messages"][0])]
    rows["kept_deliveries"] = [
        delivery(channel, rows["kept_messages"][0]),  # a pending message keeps its attempts
        delivery(channel, rows["kept_messages"][1], age_days=3),
    ]
    return rows


def ids(rows):
    return {row.pk for row in rows}


def pruned(counts: dict) -> dict:
    """The histories that lost rows: every app declares its own, and the fixture fills only the
    jobs', notifications' and deliveries'."""
    return {name: count for name, count in counts.items() if count}


def test_prunes_old_history_and_keeps_what_is_pending_running_recent_or_evidence(history):
    counts = prune_history(days=180)
    assert pruned(counts) == {"deliveries": 1, "notifications": 2, "jobs": 3}
    assert set(Job.objects.values_list("pk", flat=True)) == ids(history["kept_jobs"])
    kept = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert kept == ids(history["kept_messages"])
    assert set(Delivery.objects.values_list("pk", flat=True)) == ids(history["kept_deliveries"])
    backup = history["backup"]
    backup.refresh_from_db()
    assert backup.job is None  # the backup stays; only its link to the pruned run is gone
    deleted = AuditEntry.objects.filter(action=AuditEntry.Action.DELETE, object_type="core.job")
    assert set(deleted.values_list("object_id", flat=True)) == {
        str(pk) for pk in ids(history["old_jobs"])
    }


def test_dry_run_counts_and_deletes_nothing_and_0_days_keeps_everything(history):
    before = (Job.objects.count(), OutboxMessage.objects.count(), Delivery.objects.count())
    counted = prune_history(days=180, dry_run=True)
    assert pruned(counted) == {"deliveries": 1, "notifications": 2, "jobs": 3}
    assert {"sign_ins", "deliveries", "notifications", "jobs"} <= set(counted)
    assert pruned(prune_history(days=0)) == {}
    after = (Job.objects.count(), OutboxMessage.objects.count(), Delivery.objects.count())
    assert before == after


def test_the_setting_sets_the_default_age(history, settings):
    settings.KEEP_HISTORY_DAYS = 500
    assert pruned(prune_history()) == {}
    settings.KEEP_HISTORY_DAYS = 180
    assert prune_history()["jobs"] == 3


@pytest.mark.parametrize("value", ["soon", str(10**12), "-1"])
def test_a_bad_setting_is_a_configuration_error_and_the_default_age_applies(value, monkeypatch):
    from erpkeeper.lib import env

    monkeypatch.setattr(env, "CONFIG_ERRORS", [])
    monkeypatch.setenv("ERPKEEPER_KEEP_HISTORY_DAYS", value)
    assert env.envint("ERPKEEPER_KEEP_HISTORY_DAYS", 180, minimum=0, maximum=36500) == 180
    assert [error.variable for error in env.CONFIG_ERRORS] == ["ERPKEEPER_KEEP_HISTORY_DAYS"]


@pytest.mark.django_db(transaction=True)  # the CLI runs the job in a thread of its own
def test_cli_runs_it_as_a_job_and_refuses_a_negative_age(history, capsys):
    assert main(["--json", "housekeeping", "--keep-days", "30", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["jobs"] == 3
    assert main(["--json", "housekeeping", "--keep-days", "30"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "succeeded" and shown["result"]["jobs"] == 3
    assert Job.objects.get(pk=shown["id"]).kind == "core.housekeeping"
    assert main(["housekeeping", "--keep-days", "-1"]) == 2
    assert "must be 0 or more" in capsys.readouterr().err


def test_it_runs_daily_from_the_schedule():
    assert "core.housekeeping" in {schedule.name for schedule in schedules()}


def test_the_api_queues_it_now_for_whoever_may_delete_job_runs(api_client_for, olga, dave, victor):
    url = "/api/v1/jobs/housekeeping/"
    response = api_client_for(olga).post(url, {"days": 30}, format="json")
    assert response.status_code == 202, response.content
    queued = Job.objects.get(pk=response.json()["id"])
    assert (queued.kind, queued.params, queued.requested_by) == (
        "core.housekeeping",
        {"days": 30},
        olga,
    )
    # Asked again while the first is still queued: the same job.
    assert api_client_for(olga).post(url, {}, format="json").json()["id"] == queued.pk

    bad = api_client_for(olga).post(url, {"days": -1}, format="json")
    assert bad.status_code == 400 and "days" in bad.json()
    for not_allowed in (dave, victor):  # a DBA may cancel and retry jobs, not delete them
        assert api_client_for(not_allowed).post(url, {}, format="json").status_code == 403
    assert Job.objects.filter(kind="core.housekeeping").count() == 1


def test_the_console_jobs_page_starts_it_for_whoever_may_delete_job_runs(
    console_client_for, olga, dave
):
    url = reverse("admin:core_job_housekeeping_now")
    assert (
        "Delete old history now"
        in console_client_for(olga).get(reverse("admin:core_job_changelist")).content.decode()
    )
    confirmed = {"_form_submitted": "on"}  # the dialog's "Yes, delete old history"
    assert console_client_for(dave).post(url, confirmed).status_code == 403

    response = console_client_for(olga).post(url, confirmed)
    queued = Job.objects.get(kind="core.housekeeping")
    assert response.status_code in (204, 302)
    assert str(queued.pk) in (response.get("HX-Redirect") or response.get("Location"))
    assert queued.requested_by == olga


def test_an_age_beyond_the_calendar_is_refused_before_it_is_queued(api_client_for, olga, capsys):
    url = "/api/v1/jobs/housekeeping/"
    for days in (10**12, 36501):
        bad = api_client_for(olga).post(url, {"days": days}, format="json")
        assert bad.status_code == 400
        assert bad.json() == {"days": ["Ensure this value is less than or equal to 36500."]}
    assert not Job.objects.filter(kind="core.housekeeping").exists()
    with pytest.raises(HousekeepingError, match="Keep at most 36500 days"):
        prune_history(days=10**12)
    assert main(["housekeeping", "--keep-days", str(10**12), "--dry-run"]) == 2
    assert "must be at most 36500" in capsys.readouterr().err
