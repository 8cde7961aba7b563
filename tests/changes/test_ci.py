"""CI webhooks with the payloads GitLab, GitHub Actions and Jenkins really send, and the
generic JSON form: authenticated by each source's secret, recorded, attached to a change or a
target; bad or unsigned payloads are refused and change nothing; a red run blocks approval."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client

from erpkeeper.changes import services
from erpkeeper.changes.models import PipelineRun, Repository
from erpkeeper.changes.services.requests import IllegalTransition

URL = "/api/v1/changes/ci/%s/"


@pytest.fixture
def ci(db):
    return Client()


def post(client, source, payload, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(URL % source, body, content_type="application/json", headers=headers)


def gitlab_pipeline(status="success", ref="main", message="Fix rounding"):
    return {
        "object_kind": "pipeline",
        "object_attributes": {
            "id": 31,
            "iid": 3,
            "ref": ref,
            "tag": False,
            "sha": "bcbb5ec396a2c0f828686f14fac9b80b780504f2",
            "status": status,
            "detailed_status": "passed",
            "stages": ["build", "test"],
            "created_at": "2026-12-08 08:00:00 UTC",
            "finished_at": "2026-12-08 08:06:00 UTC",
            "duration": 360,
            "url": "https://gitlab.example.com/erp/custom-modules/-/pipelines/31",
        },
        "user": {"id": 1, "name": "Olga", "username": "olga"},
        "project": {
            "id": 7,
            "name": "custom-modules",
            "path_with_namespace": "erp/custom-modules",
            "web_url": "https://gitlab.example.com/erp/custom-modules",
        },
        "commit": {"id": "bcbb5ec396a2c0f828686f14fac9b80b780504f2", "message": message},
        "builds": [{"id": 380, "stage": "test", "name": "pytest", "status": status}],
    }


def github_workflow_run(conclusion="success", branch="main"):
    return {
        "action": "completed",
        "workflow_run": {
            "id": 30433642,
            "name": "Tests",
            "head_branch": branch,
            "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
            "status": "completed",
            "conclusion": conclusion,
            "html_url": "https://github.com/erp/custom-modules/actions/runs/30433642",
            "created_at": "2026-12-08T08:00:00Z",
            "run_started_at": "2026-12-08T08:00:05Z",
            "updated_at": "2026-12-08T08:04:00Z",
            "head_commit": {"id": "acb5820c", "message": "Add a tax rule"},
        },
        "repository": {"id": 1, "full_name": "erp/custom-modules"},
        "sender": {"login": "olga"},
    }


def jenkins_build(status="SUCCESS", phase="COMPLETED", failed=0):
    return {
        "name": "erp-modules",
        "display_name": "erp-modules",
        "url": "job/erp-modules/",
        "build": {
            "full_url": "https://jenkins.example.com/job/erp-modules/12/",
            "number": 12,
            "queue_id": 40,
            "timestamp": 1765180800000,
            "duration": 360000,
            "phase": phase,
            "status": status,
            "url": "job/erp-modules/12/",
            "scm": {
                "url": "https://git.example.com/erp/custom-modules.git",
                "branch": "origin/main",
                "commit": "9f2c1d0e5c",
            },
            "testSummary": {"total": 120, "failed": failed, "skipped": 3, "passed": 117 - failed},
        },
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_gitlab_pipeline_event_is_recorded_and_attached_to_its_target(ci, shop):
    secret = services.set_secret("gitlab")
    Repository.objects.create(name="erp/custom-modules", target=shop)

    response = post(ci, "gitlab", gitlab_pipeline(), X_Gitlab_Token=secret)

    assert response.status_code == 200, response.content
    run = PipelineRun.objects.get()
    assert (run.repository, run.branch, run.status, run.target) == (
        "erp/custom-modules",
        "main",
        "success",
        shop,
    )
    assert run.url.endswith("/pipelines/31") and run.finished is not None


def test_a_github_workflow_run_is_recorded_when_its_signature_matches(ci):
    secret = services.set_secret("github")
    body = json.dumps(github_workflow_run("failure")).encode()

    response = post(
        ci,
        "github",
        body,
        X_GitHub_Event="workflow_run",
        X_Hub_Signature_256=signature(secret, body),
    )

    assert response.status_code == 200, response.content
    assert PipelineRun.objects.get().status == "failed"


def test_a_github_ping_is_answered_and_records_nothing(ci):
    secret = services.set_secret("github")
    body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    response = post(
        ci, "github", body, X_GitHub_Event="ping", X_Hub_Signature_256=signature(secret, body)
    )
    assert response.status_code == 200 and response.json()["recorded"] is False
    assert not PipelineRun.objects.exists()


def test_jenkins_reports_phases_of_one_build_into_one_run_with_test_counts(ci):
    secret = services.set_secret("jenkins")
    auth = {"Authorization": f"Bearer {secret}"}
    post(ci, "jenkins", jenkins_build(status="", phase="STARTED"), **auth)
    assert PipelineRun.objects.get().status == "running"

    post(ci, "jenkins", jenkins_build(status="UNSTABLE", failed=2), **auth)

    run = PipelineRun.objects.get()
    assert (run.repository, run.branch, run.status) == ("erp/custom-modules", "main", "failed")
    assert (run.tests_total, run.tests_failed, run.tests_skipped) == (120, 2, 3)


def test_a_generic_run_names_its_change(ci, submitted):
    secret = services.set_secret("generic")
    payload = {
        "id": "build-42",
        "repository": "erp/custom-modules",
        "branch": "release",
        "status": "success",
        "tests": {"total": 10, "failed": 0},
        "change": submitted.number,
    }
    response = post(ci, "generic", payload, Authorization=f"Bearer {secret}")
    assert response.status_code == 200, response.content
    assert response.json()["change"] == submitted.number


def test_a_change_number_in_the_branch_attaches_the_run(ci, submitted):
    secret = services.set_secret("gitlab")
    post(
        ci, "gitlab", gitlab_pipeline(ref=f"{submitted.number}-sale-history"), X_Gitlab_Token=secret
    )
    assert PipelineRun.objects.get().change == submitted


@pytest.mark.parametrize(
    ("source", "headers"),
    [
        ("gitlab", {}),
        ("gitlab", {"X_Gitlab_Token": "guess"}),
        ("github", {"X_GitHub_Event": "workflow_run", "X_Hub_Signature_256": "sha256=00"}),
        ("generic", {"Authorization": "Bearer guess"}),
        ("jenkins", {}),
    ],
)
def test_unsigned_or_wrongly_signed_payloads_are_401_and_change_nothing(ci, source, headers):
    services.set_secret(source)
    response = post(ci, source, gitlab_pipeline(), **headers)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not PipelineRun.objects.exists()


def test_a_source_without_a_secret_says_how_to_set_one(ci):
    response = post(ci, "generic", {"id": "1"}, Authorization="Bearer x")
    assert response.status_code == 401
    assert "erpkeeper change ci-secret generic" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        json.dumps({"id": "1", "repository": "r", "status": "green"}).encode(),
        json.dumps({"id": "1", "status": "success"}).encode(),
        json.dumps({"id": "1", "repository": "r", "status": "success", "change": "CHG-1"}).encode(),
        json.dumps({"id": "1", "repository": "r", "status": "success", "started": "soon"}).encode(),
    ],
)
def test_bad_payloads_are_400_and_change_nothing(ci, body):
    secret = services.set_secret("generic")
    response = post(ci, "generic", body, Authorization=f"Bearer {secret}")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not PipelineRun.objects.exists()


def test_a_red_run_blocks_approval_and_a_green_one_allows_it(ci, olga, mark, shop):
    from tests.changes.conftest import new_change

    change = services.submit(new_change(olga, [shop], requires_green_run=True), olga)
    with pytest.raises(IllegalTransition, match="has none yet"):
        services.decide(change, mark, "approve")

    secret = services.set_secret("gitlab")
    post(ci, "gitlab", gitlab_pipeline("failed", ref=change.number), X_Gitlab_Token=secret)
    with pytest.raises(IllegalTransition, match="is Failed"):
        services.decide(change, mark, "approve")

    green = gitlab_pipeline("success", ref=change.number)
    green["object_attributes"]["id"] = 32
    post(ci, "gitlab", green, X_Gitlab_Token=secret)
    services.decide(change, mark, "approve")
    assert change.state == "approved"


def test_the_secret_is_stored_encrypted(db):
    from erpkeeper.changes.models import CiSecret

    secret = services.set_secret("github")
    assert secret not in CiSecret.objects.get().secret
