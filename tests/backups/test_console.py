"""The backup console (destinations, policies, backups, restores, drills, notifications, the
target's panel and the dashboard's cards) through Django's test client, as each role sees it."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.backups import services
from erpkeeper.backups.forms import fill_masked_password
from erpkeeper.backups.models import Backup, BackupPolicy, Destination
from erpkeeper.core.models import Job, OutboxMessage
from erpkeeper.lib import crypto, dburl

pytestmark = pytest.mark.django_db


@pytest.fixture
def backup(sqlite_backup_target):
    return services.run_backup(sqlite_backup_target)


@pytest.fixture
def drill(backup):
    return services.run_drill(backup.target)


def policy_form_data(policy: BackupPolicy, **changes) -> dict:
    """What the policy's change form posts when nothing but ``changes`` is edited."""
    values = {
        name: getattr(policy, name)
        for name in (
            "enabled",
            "schedule_mode",
            "cron",
            "include_database",
            "include_file_store",
            "include_platform",
            "keep_last",
            "keep_daily",
            "keep_weekly",
            "keep_monthly",
            "keep_yearly",
            "encrypt",
            "compression_level",
            "parallel_jobs",
            "repository_kind",
            "verify_cron",
            "drill_enabled",
            "drill_cron",
        )
    }
    values["destination"] = policy.destination_id
    values["offsite_destination"] = policy.offsite_destination_id or ""
    values.update(changes)
    # Unchecked boxes are simply not posted.
    return {
        name: ("on" if value is True else value)
        for name, value in values.items()
        if value is not False
    }


def make_destination_unwritable(destination: Destination, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    Destination.objects.filter(pk=destination.pk).update(path=str(blocker))


# -- pages render ---------------------------------------------------------------------------------


def test_every_backup_page_renders_for_an_ops_engineer(olga, console_client_for, drill):
    client = console_client_for(olga)
    backup, target = drill.backup, drill.target
    policy = BackupPolicy.objects.get(target=target)
    pages = [
        "/",
        "/backups/backup/",
        f"/backups/backup/{backup.pk}/change/",
        f"/backups/backup/{backup.pk}/restore/",
        "/backups/drill/",
        f"/backups/drill/{drill.pk}/change/",
        "/backups/restore/",
        "/backups/destination/",
        "/backups/destination/add/",
        f"/backups/destination/{backup.destination_id}/change/",
        "/backups/backuppolicy/",
        f"/backups/backuppolicy/{policy.pk}/change/",
        f"/backups/backuppolicy/{policy.pk}/runbook/",
        f"/backups/backuppolicy/{policy.pk}/runbook/print/",
        "/core/outboxmessage/",
        f"/targets/target/{target.pk}/change/",
    ]
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_backup_page_shows_the_manifest_with_checksums_and_row_counts(
    olga, console_client_for, backup
):
    page = console_client_for(olga).get(f"/backups/backup/{backup.pk}/change/").content.decode()
    artifact = backup.manifest["components"][0]["artifacts"][0]
    assert artifact["sha256"] in page and artifact["path"] in page
    assert "<details" in page and "sale_sale" in page  # row counts, collapsed


def test_target_page_has_the_backup_panel_with_chart_buttons_and_newest_backup(
    olga, console_client_for, drill
):
    page = console_client_for(olga).get(f"/targets/target/{drill.target_id}/change/")
    html = page.content.decode()
    assert 'data-testid="backup-panel"' in html
    timeline = page.context["backup_panel"]["timeline"]
    assert json.loads(timeline)["datasets"][0]["backgroundColor"] == ["#16a34a"]
    assert 'class="chart"' in html
    for label in ("Back up now", "Run drill", "Edit policy", "Runbook"):
        assert label in html
    assert f"#{drill.backup_id}" in html and "Next backup" in html
    assert "vault" in html  # storage used per destination


def test_runbook_lists_the_facts_and_numbered_commands(olga, console_client_for, backup):
    policy = BackupPolicy.objects.get(target=backup.target)
    client = console_client_for(olga)
    page = client.get(f"/backups/backuppolicy/{policy.pk}/runbook/").content.decode()
    assert "<ol>" in page and f"erpkeeper restore {backup.pk}" in page and "<pre>" in page
    text = client.get(f"/backups/backuppolicy/{policy.pk}/runbook/text/")
    assert text["Content-Disposition"].startswith("attachment")
    assert "1. " in text.content.decode()


# -- roles ----------------------------------------------------------------------------------------


def test_a_viewer_sees_no_buttons_that_change_anything(victor, console_client_for, drill):
    client = console_client_for(victor)
    target_page = client.get(f"/targets/target/{drill.target_id}/change/").content.decode()
    assert 'data-testid="backup-panel"' in target_page
    assert "back_up_now" not in target_page and "run_drill_now" not in target_page
    assert "Edit policy" not in target_page and "Backup policy" in target_page
    backup_page = client.get(f"/backups/backup/{drill.backup_id}/change/").content.decode()
    restore, verify = (
        f"/backups/backup/{drill.backup_id}/{name}/" for name in ("restore", "verify")
    )
    assert restore not in backup_page and verify not in backup_page
    assert "back_up_now" not in client.get("/backups/backup/").content.decode()
    assert "run_drill_now" not in client.get("/backups/drill/").content.decode()
    destination_page = client.get("/backups/destination/").content.decode()
    assert "check_row" not in destination_page
    policy = BackupPolicy.objects.get(target=drill.target)
    policy_page = client.get(f"/backups/backuppolicy/{policy.pk}/change/").content.decode()
    assert "find_offpeak_hour" not in policy_page and 'name="drill_database_url"' not in policy_page
    assert "Runbook" in policy_page


def test_a_viewer_gets_403_on_every_post(victor, console_client_for, drill):
    client = console_client_for(victor)
    backup, target = drill.backup, drill.target
    policy = BackupPolicy.objects.get(target=target)
    posts = {
        "/backups/backup/back_up_now/": {"_form_submitted": "on", "target": target.pk},
        "/backups/drill/run_drill_now/": {"_form_submitted": "on", "target": target.pk},
        f"/backups/backup/{backup.pk}/verify/": {"_form_submitted": "on"},
        f"/backups/backup/{backup.pk}/restore/": {"mode": "replace", "confirm_name": "shop"},
        f"/backups/backuppolicy/{policy.pk}/change/": policy_form_data(policy, keep_last=9),
        "/backups/destination/add/": {"name": "x", "kind": "local", "path": "/tmp/x"},
        f"/backups/destination/{backup.destination_id}/delete/": {"post": "yes"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert client.get(f"/backups/backup/{backup.pk}/restore/").status_code == 403
    assert not Job.objects.exists()
    assert BackupPolicy.objects.get(pk=policy.pk).keep_last == policy.keep_last


def test_a_dba_may_restore_but_not_remove_destinations(dave, console_client_for, backup):
    client = console_client_for(dave)
    assert client.get(f"/backups/backup/{backup.pk}/restore/").status_code == 200
    delete = client.post(f"/backups/destination/{backup.destination_id}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert Destination.objects.filter(pk=backup.destination_id).exists()


# -- jobs from the console ------------------------------------------------------------------------


def test_back_up_now_queues_one_backup_job_and_shows_it(
    olga, console_client_for, sqlite_backup_target
):
    client = console_client_for(olga)
    data = {"_form_submitted": "on", "target": sqlite_backup_target.pk}

    response = client.post("/backups/backup/back_up_now/", data)

    job = Job.objects.get()
    assert (job.kind, job.target, job.requested_by) == ("backup.run", sqlite_backup_target, olga)
    assert response.status_code == 302 and response.url == f"/core/job/{job.pk}/change/"
    again = client.post("/backups/backup/back_up_now/", data, HTTP_HX_REQUEST="true")
    assert again.status_code == 204 and again["HX-Redirect"] == f"/core/job/{job.pk}/change/"
    assert Job.objects.count() == 1  # a second click opens the queued job


def test_back_up_now_after_a_worker_died_mid_backup_starts_a_new_backup(
    olga, console_client_for, sqlite_backup_target
):
    # A backup job left "running" by a worker that was killed (no heartbeat for ten minutes).
    dead = Job.objects.create(
        kind="backup.run",
        target=sqlite_backup_target,
        status=Job.Status.RUNNING,
        worker="another-host:4242",
        started=timezone.now() - dt.timedelta(minutes=15),
        heartbeat=timezone.now() - dt.timedelta(minutes=10),
    )
    client = console_client_for(olga)
    data = {"_form_submitted": "on", "target": sqlite_backup_target.pk}

    response = client.post("/backups/backup/back_up_now/", data)

    dead.refresh_from_db()
    assert dead.status == Job.Status.FAILED
    new = Job.objects.exclude(pk=dead.pk).get()
    assert new.kind == "backup.run" and new.status == Job.Status.QUEUED
    assert response.url == f"/core/job/{new.pk}/change/"


def test_back_up_now_dialog_preselects_the_target_from_its_page(
    olga, console_client_for, sqlite_backup_target
):
    page = console_client_for(olga).get(
        f"/backups/backup/back_up_now/?target={sqlite_backup_target.pk}"
    )
    assert f'value="{sqlite_backup_target.pk}" selected' in page.content.decode()


def test_verify_and_run_drill_queue_their_jobs(olga, console_client_for, backup):
    client = console_client_for(olga)
    client.post(f"/backups/backup/{backup.pk}/verify/", {"_form_submitted": "on"})
    client.post(
        "/backups/drill/run_drill_now/", {"_form_submitted": "on", "target": backup.target_id}
    )
    verify, drill = Job.objects.order_by("pk")
    assert (verify.kind, verify.params["backup_id"]) == ("backup.verify", backup.pk)
    assert (drill.kind, drill.target_id) == ("backup.drill", backup.target_id)


# -- the restore wizard ---------------------------------------------------------------------------


def test_restore_wizard_refuses_to_replace_without_the_exact_name(olga, console_client_for, backup):
    client = console_client_for(olga)
    for typed in ("", "Shop", "shop "):
        response = client.post(
            f"/backups/backup/{backup.pk}/restore/", {"mode": "replace", "confirm_name": typed}
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "type the target&#x27;s name (shop) to confirm" in page
        assert "The restore was not started" in page
    assert not Job.objects.exists()


def test_restore_wizard_replaces_with_the_name_and_keeps_the_url_encrypted(
    olga, console_client_for, backup
):
    response = console_client_for(olga).post(
        f"/backups/backup/{backup.pk}/restore/", {"mode": "replace", "confirm_name": "shop"}
    )

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/core/job/{job.pk}/change/"
    assert job.kind == "backup.restore" and job.params["replace"] is True
    live = backup.target.database_url
    assert crypto.decrypt(job.params["to_url_encrypted"]) == live
    # In the clear only the masked form (no password), as the API and the CLI store it.
    assert job.params["to_url_masked"] == dburl.parse(live).masked()
    others = {key: value for key, value in job.params.items() if key != "to_url_masked"}
    assert dburl.parse(live).path not in json.dumps(others)


def test_restore_wizard_defaults_to_a_new_database_next_to_the_original(
    olga, console_client_for, backup
):
    client = console_client_for(olga)
    page = client.get(f"/backups/backup/{backup.pk}/restore/")
    prefilled = page.context["form"]["to_url"].value()
    assert "-restored-" in prefilled

    client.post(f"/backups/backup/{backup.pk}/restore/", {"mode": "new", "to_url": prefilled})

    job = Job.objects.get()
    assert job.params["replace"] is False
    assert crypto.decrypt(job.params["to_url_encrypted"]) == prefilled


def test_restore_wizard_refuses_the_live_database_as_a_new_one(olga, console_client_for, backup):
    response = console_client_for(olga).post(
        f"/backups/backup/{backup.pk}/restore/",
        {"mode": "new", "to_url": backup.target.database_url},
    )
    assert "needs replace" in response.content.decode()
    assert not Job.objects.exists()


def test_the_masked_password_is_kept_only_for_the_original_server_and_user():
    original = "postgresql://erp:s3cret@db:5432/shop"
    same = fill_masked_password("postgresql://erp:********@db:5432/shop_copy", original)
    assert dburl.parse(same).password == "s3cret" and dburl.parse(same).database == "shop_copy"
    with pytest.raises(dburl.DatabaseUrlError, match="Type this server's password"):
        fill_masked_password("postgresql://erp:********@elsewhere:5432/shop", original)
    typed = "postgresql://erp:other@elsewhere/shop"
    assert fill_masked_password(typed, original) == typed


# -- drills ---------------------------------------------------------------------------------------


def test_drill_report_downloads_as_an_attachment_and_prints_inline(olga, console_client_for, drill):
    client = console_client_for(olga)
    download = client.get(f"/backups/drill/{drill.pk}/download_report/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert "RTO" in download.content.decode() and drill.target_name in download.content.decode()
    printable = client.get(f"/backups/drill/{drill.pk}/printable_report/")
    assert printable["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in printable
    assert "default-src 'none'" in printable["Content-Security-Policy"]


def test_drill_page_embeds_the_report_and_compares_with_the_objectives(
    olga, console_client_for, drill
):
    page = console_client_for(olga).get(f"/backups/drill/{drill.pk}/change/").content.decode()
    assert '<iframe sandbox srcdoc="' in page and "Recovery drill report" in page
    assert "✓" in page  # RTO and RPO within the objectives


# -- policies and destinations --------------------------------------------------------------------


def test_policy_form_saves_through_the_service_and_never_shows_the_drill_server(
    olga, console_client_for, sqlite_backup_target, tmp_path
):
    policy = BackupPolicy.objects.get(target=sqlite_backup_target)
    drill_server = f"sqlite:///{tmp_path}/drills.sqlite"
    client = console_client_for(olga)
    url = f"/backups/backuppolicy/{policy.pk}/change/"

    response = client.post(
        url, policy_form_data(policy, keep_last=5, drill_database_url=drill_server)
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    policy.refresh_from_db()
    assert policy.keep_last == 5 and policy.drill_database_url_encrypted
    page = client.get(url).content.decode()
    assert drill_server not in page and "A separate server is configured" in page
    assert "Off-peak hour" in page and "Next recovery drill" in page


def test_policy_form_shows_the_services_refusal_next_to_the_field(
    olga, console_client_for, sqlite_backup_target
):
    policy = BackupPolicy.objects.get(target=sqlite_backup_target)
    data = policy_form_data(policy, offsite_destination=policy.destination_id)

    response = console_client_for(olga).post(f"/backups/backuppolicy/{policy.pk}/change/", data)

    assert response.status_code == 200
    assert "The off-site copy must go to another destination." in response.content.decode()


def test_destination_secret_is_write_only_and_kept_when_left_empty(olga, console_client_for):
    client = console_client_for(olga)
    fields = {"name": "oss", "kind": "s3", "bucket": "erp-backups", "access_key_id": "AKIA1"}

    client.post("/backups/destination/add/", {**fields, "secret_access_key": "very-secret-key"})
    destination = Destination.objects.get(name="oss")
    page = client.get(f"/backups/destination/{destination.pk}/change/").content.decode()
    assert "very-secret-key" not in page and "A secret is stored" in page
    client.post(f"/backups/destination/{destination.pk}/change/", {**fields, "prefix": "erp"})

    destination.refresh_from_db()
    assert destination.prefix == "erp"
    assert destination.storage_options()["secret_access_key"] == "very-secret-key"


def test_removing_a_destination_in_use_is_refused_with_the_reason(olga, console_client_for, backup):
    response = console_client_for(olga).post(
        f"/backups/destination/{backup.destination_id}/delete/", {"post": "yes"}, follow=True
    )
    assert "still holds 1 backups" in response.content.decode()
    assert Destination.objects.filter(pk=backup.destination_id).exists()


def test_check_now_records_whether_the_destination_is_writable(
    olga, console_client_for, local_destination, tmp_path
):
    client = console_client_for(olga)
    client.get(f"/backups/destination/{local_destination.pk}/check_now/")
    local_destination.refresh_from_db()
    assert local_destination.last_check_ok is True

    make_destination_unwritable(local_destination, tmp_path)
    page = client.get(f"/backups/destination/{local_destination.pk}/check_now/", follow=True)
    local_destination.refresh_from_db()
    assert local_destination.last_check_ok is False
    assert local_destination.last_check_error in page.content.decode()


# -- dashboard and notifications ------------------------------------------------------------------


def test_dashboard_card_turns_red_after_a_failed_backup_and_says_why(
    olga, console_client_for, backup, local_destination, tmp_path
):
    make_destination_unwritable(local_destination, tmp_path)
    with pytest.raises(services.BackupFailed):
        services.run_backup(backup.target)

    page = console_client_for(olga).get("/").content.decode()

    assert 'data-state="down"' in page
    assert "Backup failed 0\xa0minutes ago" in page
    assert 'data-testid="open-notifications"' in page


def test_dashboard_card_turns_amber_when_the_newest_backup_is_older_than_the_rpo(
    olga, console_client_for, backup
):
    stale = timezone.now() - dt.timedelta(minutes=backup.target.rpo_minutes + 90)
    Backup.objects.filter(pk=backup.pk).update(started=stale)

    page = console_client_for(olga).get("/").content.decode()

    assert 'data-state="warning"' in page and "older than the RPO of 1 d" in page


def test_notifications_are_listed_and_resolved_only_by_those_who_may(
    alice, victor, console_client_for, sqlite_backup_target
):
    services.run_drill(sqlite_backup_target)  # no backup yet: fails and raises an alert
    alert = OutboxMessage.objects.get(event="drill_failed")
    viewer = console_client_for(victor)
    listing = viewer.get("/core/outboxmessage/").content.decode()
    assert alert.subject in listing and "resolve_detail" not in listing
    assert (
        viewer.post(
            f"/core/outboxmessage/{alert.pk}/resolve_detail/", {"_form_submitted": "on"}
        ).status_code
        == 403
    )

    console_client_for(alice).post(
        f"/core/outboxmessage/{alert.pk}/resolve_detail/", {"_form_submitted": "on"}
    )

    alert.refresh_from_db()
    assert alert.state == OutboxMessage.State.RESOLVED
    assert alert.subject not in viewer.get("/core/outboxmessage/").content.decode()
