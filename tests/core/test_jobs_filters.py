"""The job list's filters (core/jobs/filters.py): the API and ``erpkeeper job list`` give the
same rows and refuse the same bad values; a filter never hides a job acted on by id."""

from __future__ import annotations

import json

import pytest

from erpkeeper.cli import EXIT_USAGE, main
from erpkeeper.core.jobs import enqueue, run_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def jobs(target):
    done = run_job(enqueue("core.test.sleep", params={"seconds": 0}).pk, heartbeat=False)
    failed = run_job(
        enqueue("core.test.fail", target=target, params={"expected": True}).pk, heartbeat=False
    )
    queued = enqueue("core.test.sleep", target=target)
    return {"done": done, "failed": failed, "queued": queued}


@pytest.fixture
def reader(victor, api_client_for):
    return api_client_for(victor)


def api_ids(client, query: dict) -> list[int]:
    response = client.get("/api/v1/jobs/", query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cli_ids(capsys, *options) -> list[int]:
    assert main(["--json", "job", "list", *options]) == 0
    return [row["id"] for row in json.loads(capsys.readouterr().out)]


def as_options(query: dict) -> list[str]:
    return [part for name, value in query.items() for part in (option(name), str(value))]


def option(name: str) -> str:
    return "--" + name.replace("_", "-")


@pytest.mark.parametrize(
    "query",
    [
        {"status": "failed"},
        {"status": "queued,succeeded"},
        {"kind": "core.test.fail"},
        {"target": "erp-prod"},
        {"target": "TARGET_ID", "status": "queued"},
        {"target": "no-such-target"},
    ],
)
def test_the_api_and_the_cli_list_the_same_jobs(reader, capsys, jobs, target, query):
    query = {name: str(target.pk) if v == "TARGET_ID" else v for name, v in query.items()}
    listed = api_ids(reader, query)
    assert listed == cli_ids(capsys, *as_options(query))
    assert listed or query["target"] == "no-such-target"


def test_an_unknown_status_is_refused_naming_it_and_the_statuses(reader, capsys, jobs):
    response = reader.get("/api/v1/jobs/", {"status": "failed,exploded"})
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Unknown exploded; use queued, running, succeeded, failed, cancelled."]
    }
    assert main(["job", "list", "--status", "failed,exploded"]) == EXIT_USAGE
    last_line = capsys.readouterr().err.splitlines()[-1]  # after the request log's lines
    assert last_line == (
        "error: --status: Unknown exploded; use queued, running, succeeded, failed, cancelled."
    )


def test_a_list_filter_does_not_hide_the_job_asked_for_by_id(reader, jobs):
    failed = jobs["failed"]
    response = reader.get(f"/api/v1/jobs/{failed.pk}/", {"status": "succeeded"})
    assert response.status_code == 200
    assert response.json()["id"] == failed.pk
