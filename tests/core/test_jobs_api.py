"""/api/v1/jobs: list with filters, detail with log, cancel, retry, permissions, JSON errors."""

from __future__ import annotations

import json

import pytest

from erpkeeper.cli import main
from erpkeeper.core.jobs import enqueue, run_job
from erpkeeper.core.models import Job
from erpkeeper.lib import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(victor):
    return victor  # Viewer: sees jobs, may not cancel or retry them


@pytest.fixture
def operator(olga):
    return olga  # Ops engineer: cancels and retries


@pytest.fixture
def client_for(api_client_for):
    return api_client_for  # a real API token per persona


@pytest.fixture
def jobs(target):
    done = run_job(enqueue("core.test.sleep", params={"seconds": 0}).pk, heartbeat=False)
    failed = run_job(
        enqueue("core.test.fail", target=target, params={"expected": True}).pk, heartbeat=False
    )
    queued = enqueue("core.test.sleep", target=target)
    return {"done": done, "failed": failed, "queued": queued}


def test_it_lists_jobs_newest_first_without_logs(client_for, reader, jobs):
    response = client_for(reader).get("/api/v1/jobs/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [jobs["queued"].pk, jobs["failed"].pk, jobs["done"].pk]
    assert "log" not in rows[0]
    failed = rows[1]
    assert failed["target_name"] == "erp-prod"
    assert failed["status"] == "failed" and failed["error"] == "the test asked this job to fail"
    assert failed["duration_seconds"] is not None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=failed", ["failed"]),
        ("status=queued,succeeded", ["queued", "done"]),
        ("kind=core.test.fail", ["failed"]),
        ("target=erp-prod", ["queued", "failed"]),
    ],
)
def test_it_filters(client_for, reader, jobs, query, expected):
    rows = client_for(reader).get(f"/api/v1/jobs/?{query}").json()["results"]
    assert [row["id"] for row in rows] == [jobs[name].pk for name in expected]


def test_it_filters_by_target_id(client_for, reader, jobs, target):
    rows = client_for(reader).get(f"/api/v1/jobs/?target={target.pk}").json()["results"]
    assert {row["id"] for row in rows} == {jobs["queued"].pk, jobs["failed"].pk}


def test_an_unknown_status_is_a_400_naming_the_valid_ones(client_for, reader, jobs):
    response = client_for(reader).get("/api/v1/jobs/?status=exploded")
    assert response.status_code == 400
    assert "exploded" in response.json()["status"][0]
    assert "succeeded" in response.json()["status"][0]


def test_the_detail_has_log_params_result_and_timings(client_for, reader, jobs):
    job = jobs["done"]
    data = client_for(reader).get(f"/api/v1/jobs/{job.pk}/").json()
    assert data["log"] == job.log and data["log"][-1].endswith("succeeded")
    assert data["params"] == {"seconds": 0}
    assert data["result"]["actor"] == "system:core.test.sleep"
    assert data["progress"] == 100 and data["is_finished"] is True
    assert data["requested_by_name"] == "system"
    assert data["started"] and data["finished"]


def test_an_unknown_id_is_a_json_404(client_for, reader):
    for path in ("/api/v1/jobs/999999/", "/api/v1/jobs/abc/"):
        response = client_for(reader).get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()
    response = client_for(reader).post("/api/v1/jobs/999999/cancel/")
    assert response.status_code in (403, 404)


def test_cancel_and_retry_need_change_permission(client_for, reader, jobs):
    client = client_for(reader)
    for action in ("cancel", "retry"):
        response = client.post(f"/api/v1/jobs/{jobs['queued'].pk}/{action}/")
        assert response.status_code == 403
        assert "detail" in response.json()
    assert Job.objects.get(pk=jobs["queued"].pk).status == Job.Status.QUEUED


def test_anonymous_requests_are_refused(jobs):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/jobs/").status_code in (401, 403)


def test_cancel_a_queued_job(client_for, operator, jobs):
    response = client_for(operator).post(f"/api/v1/jobs/{jobs['queued'].pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by_name"] == "olga"


def test_cancel_a_finished_job_is_a_409(client_for, operator, jobs):
    response = client_for(operator).post(f"/api/v1/jobs/{jobs['done'].pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


def test_cancel_of_an_unknown_job_is_a_404(client_for, operator):
    response = client_for(operator).post("/api/v1/jobs/999999/cancel/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_retry_a_failed_job(client_for, operator, jobs):
    response = client_for(operator).post(f"/api/v1/jobs/{jobs['failed'].pk}/retry/")
    assert response.status_code == 201
    data = response.json()
    assert data["id"] != jobs["failed"].pk and data["status"] == "queued"
    assert data["kind"] == "core.test.fail" and data["target_name"] == "erp-prod"
    assert data["requested_by_name"] == "olga"


def test_retry_of_an_active_job_is_a_409(client_for, operator, jobs):
    response = client_for(operator).post(f"/api/v1/jobs/{jobs['queued'].pk}/retry/")
    assert response.status_code == 409


def test_jobs_are_not_created_or_deleted_through_this_endpoint(client_for, operator, jobs):
    client = client_for(operator)
    count = Job.objects.count()
    assert client.post("/api/v1/jobs/", {"kind": "core.test.sleep"}).status_code in (403, 405)
    assert client.delete(f"/api/v1/jobs/{jobs['done'].pk}/").status_code in (403, 405)
    assert Job.objects.count() == count


def test_the_schema_documents_the_endpoints(client_for, reader):
    response = client_for(reader).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/jobs/{id}/cancel/" in paths and "/api/v1/jobs/{id}/retry/" in paths


def test_an_encrypted_parameter_shows_by_name_only_in_the_api_and_the_cli(
    client_for, reader, capsys
):
    ciphertext = crypto.encrypt("postgresql://erp:s3cret@db/erp_copy")
    job = Job.objects.create(kind="backups.restore", params={"to_url_encrypted": ciphertext})

    shown = client_for(reader).get(f"/api/v1/jobs/{job.pk}/").json()["params"]
    assert shown == {"to_url": "(encrypted, not shown)"}
    assert main(["--json", "job", "show", str(job.pk)]) == 0
    out = capsys.readouterr().out
    assert ciphertext not in out and "s3cret" not in out
    assert json.loads(out)["params"] == {"to_url": "(encrypted, not shown)"}
