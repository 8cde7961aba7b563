"""/api/v1 for backups, restores and drills, as the personas use it."""

import json

import pytest
from django.utils import timezone

from erpkeeper.backups import services
from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger
from erpkeeper.cli import main
from erpkeeper.core.models import Job
from erpkeeper.lib import crypto

pytestmark = pytest.mark.django_db


def test_ops_engineer_queues_a_backup_and_a_viewer_cannot(
    api_client_for, olga, victor, sqlite_backup_target
):
    response = api_client_for(olga).post("/api/v1/backups/", {"target": "shop"}, format="json")
    assert response.status_code == 202, response.content
    assert Job.objects.get(pk=response.json()["id"]).kind == "backup.run"

    denied = api_client_for(victor).post("/api/v1/backups/", {"target": "shop"}, format="json")
    assert denied.status_code == 403


def test_backup_list_and_detail_show_the_manifest(api_client_for, victor, sqlite_backup_target):
    backup = services.run_backup(sqlite_backup_target)
    client = api_client_for(victor)
    listing = client.get("/api/v1/backups/", {"target": "shop"}).json()
    assert listing["results"][0]["id"] == backup.pk
    detail = client.get(f"/api/v1/backups/{backup.pk}/").json()
    assert detail["manifest"]["components"][0]["engine"] == "sqlite"
    assert detail["status"] == "succeeded"


def test_restore_over_the_live_database_needs_replace_and_the_name(
    api_client_for, dave, sqlite_backup_target
):
    backup = services.run_backup(sqlite_backup_target)
    client = api_client_for(dave)
    url = f"/api/v1/backups/{backup.pk}/restore/"
    live = sqlite_backup_target.database_url

    refused = client.post(url, {"to_url": live}, format="json")
    assert refused.status_code == 422 and "needs replace" in refused.json()["detail"]
    wrong_name = client.post(url, {"to_url": live, "replace": True, "confirm": "x"}, format="json")
    assert wrong_name.status_code == 422
    assert not Job.objects.filter(kind="backup.restore").exists()

    accepted = client.post(url, {"to_url": live, "replace": True, "confirm": "shop"}, format="json")
    assert accepted.status_code == 202
    job = Job.objects.get(kind="backup.restore")
    assert "to_url" not in job.params  # a URL may hold a password: only its encrypted form
    assert crypto.decrypt(job.params["to_url_encrypted"]) == live


def test_destination_secret_is_write_only_and_bad_input_is_a_400(api_client_for, olga):
    client = api_client_for(olga)
    created = client.post(
        "/api/v1/backup-destinations/",
        {
            "name": "oss",
            "kind": "s3",
            "bucket": "erp-backups",
            "access_key_id": "AK",
            "secret_access_key": "very-secret-value",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert "very-secret-value" not in created.content.decode()
    assert created.json()["has_secret"] is True

    relative = client.post(
        "/api/v1/backup-destinations/",
        {"name": "x", "kind": "local", "path": "rel/dir"},
        format="json",
    )
    assert relative.status_code == 400 and "path" in relative.json()


def test_policy_update_validates_cron_and_runbook_is_served(
    api_client_for, olga, sqlite_backup_target
):
    client = api_client_for(olga)
    policy = services.policy_for(sqlite_backup_target)
    bad = client.patch(
        f"/api/v1/backup-policies/{policy.pk}/",
        {"schedule_mode": "cron", "cron": "every night"},
        format="json",
    )
    assert bad.status_code == 400 and "cron" in bad.json()
    runbook = client.get(f"/api/v1/backup-policies/{policy.pk}/runbook/").json()
    assert runbook["target"] == "shop" and len(runbook["steps"]) >= 5


def test_drill_report_downloads_as_html(api_client_for, victor, sqlite_backup_target):
    services.run_backup(sqlite_backup_target)
    drill = services.run_drill(sqlite_backup_target)
    response = api_client_for(victor).get(f"/api/v1/drills/{drill.pk}/report/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"RTO" in response.content


def test_backup_drill_and_restore_lists_filter_alike_in_the_api_and_the_cli(
    olga, api_client_for, capsys
):
    for name, status in (("erp-a", BackupStatus.SUCCEEDED), ("erp-b", BackupStatus.FAILED)):
        Backup.objects.create(
            target_name=name,
            trigger=BackupTrigger.MANUAL,
            status=status,
            started=timezone.now(),
            location=f"{name}/x",
        )
    client = api_client_for(olga)
    api = client.get("/api/v1/backups/?status=failed,running").json()["results"]
    assert [row["target_name"] for row in api] == ["erp-b"]
    assert main(["--json", "backup", "list", "--status", "failed,running"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert [row["target"] for row in cli] == ["erp-b"]

    bad = client.get("/api/v1/backups/?status=exploded")
    assert bad.status_code == 400 and "status" in bad.json()
    assert main(["backup", "list", "--status", "exploded"]) == 2
    assert "exploded" in capsys.readouterr().err

    assert client.get("/api/v1/drills/?target=erp-a").json()["results"] == []
    assert client.get("/api/v1/restores/?status=nope").status_code == 400
