"""``erpkeeper job …`` in-process: output, --json and exit codes."""

from __future__ import annotations

import json

import pytest

from erpkeeper.cli import main
from erpkeeper.core.jobs import enqueue, run_job
from erpkeeper.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def done():
    return run_job(enqueue("core.test.sleep", params={"seconds": 0}).pk, heartbeat=False)


@pytest.fixture
def failed(target):
    job = enqueue("core.test.fail", target=target, params={"expected": True})
    return run_job(job.pk, heartbeat=False)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_a_table_and_filters(capsys, done, failed):
    code, out, _ = run(capsys, "job", "list")
    assert code == 0
    assert out.splitlines()[0].split()[:4] == ["ID", "KIND", "TARGET", "STATUS"]
    assert "Fail (tests only)" in out and "Sleep (tests only)" in out  # the kinds' labels
    code, out, _ = run(capsys, "job", "list", "--status", "failed", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [row["id"] for row in rows] == [failed.pk]
    assert rows[0]["target"] == "erp-prod"
    code, out, _ = run(capsys, "--json", "job", "list", "--target", "erp-prod", "--limit", "1")
    assert [row["id"] for row in json.loads(out)] == [failed.pk]
    code, out, _ = run(capsys, "job", "list", "--kind", "nope")
    assert out.strip() == "(none)"


def test_show_prints_the_log(capsys, failed):
    code, out, _ = run(capsys, "job", "show", str(failed.pk))
    assert code == 0
    assert f"job {failed.pk}  core.test.fail  failed" in out
    assert "error:        the test asked this job to fail" in out
    assert "about to fail" in out
    code, out, _ = run(capsys, "job", "show", str(failed.pk), "--json")
    data = json.loads(out)
    assert data["status"] == "failed" and any("about to fail" in line for line in data["log"])


@pytest.mark.parametrize("action", ["show", "cancel", "retry", "wait"])
def test_an_unknown_id_exits_3_with_one_line(capsys, action):
    code, out, err = run(capsys, "job", action, "424242")
    assert code == 3
    assert err.strip() == "error: no job with id 424242"
    code, out, err = run(capsys, "--json", "job", action, "424242")
    assert code == 3 and json.loads(out) == {
        "error": "not_found",
        "detail": "no job with id 424242",
    }


def test_a_non_numeric_id_is_a_usage_error(capsys):
    code, _, err = run(capsys, "job", "show", "abc")
    assert code == 2 and "invalid int value" in err


def test_cancel_a_queued_job_then_refuse_twice(capsys):
    job = enqueue("core.test.sleep")
    code, out, _ = run(capsys, "job", "cancel", str(job.pk))
    assert code == 0 and out.strip() == f"job {job.pk} cancelled"
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.cancelled_by_name.startswith("cli:")
    code, _, err = run(capsys, "job", "cancel", str(job.pk))
    assert code == 1 and "already finished" in err


def test_cancel_as_a_user_records_that_user(capsys, olga):
    job = enqueue("core.test.sleep")
    code, out, _ = run(capsys, "--as", "olga", "--json", "job", "cancel", str(job.pk))
    assert code == 0 and json.loads(out)["cancelled_by"] == "olga"


def test_retry_queues_a_new_job(capsys, failed):
    code, out, _ = run(capsys, "job", "retry", str(failed.pk), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] != failed.pk and data["status"] == "queued"
    assert data["kind"] == "core.test.fail" and data["target"] == "erp-prod"
    code, _, err = run(capsys, "job", "retry", str(data["id"]))
    assert code == 1 and "still queued" in err.lower()


def test_wait_exits_0_for_success_and_1_for_failure(capsys, done, failed):
    code, out, _ = run(capsys, "job", "wait", str(done.pk))
    assert code == 0 and out.startswith(f"job {done.pk} succeeded")
    code, out, _ = run(capsys, "job", "wait", str(failed.pk))
    assert code == 1 and "the test asked this job to fail" in out
    code, out, _ = run(capsys, "--json", "job", "wait", str(failed.pk))
    assert code == 1 and json.loads(out)["status"] == "failed"


def test_wait_gives_up_after_the_timeout(capsys):
    job = enqueue("core.test.sleep")
    code, out, _ = run(capsys, "--json", "job", "wait", str(job.pk), "--timeout", "0.2")
    assert code == 1 and json.loads(out)["timed_out"] is True


def test_wait_follows_a_job_to_its_end(capsys, monkeypatch):
    job = enqueue("core.test.sleep", params={"seconds": 0})
    polls = []

    def sleep(seconds):  # the "worker" runs the job while the CLI waits
        polls.append(seconds)
        run_job(job.pk, heartbeat=False)

    monkeypatch.setattr("erpkeeper.core.jobs.cli.time.sleep", sleep)
    code, out, _ = run(capsys, "job", "wait", str(job.pk))
    assert code == 0 and polls[0] == 0.5


def test_kinds_and_schedules_are_listed(capsys):
    code, out, _ = run(capsys, "job", "kinds", "--json")
    assert code == 0 and "core.test.sleep" in {row["kind"] for row in json.loads(out)}
    code, out, _ = run(capsys, "job", "schedules")
    assert code == 0 and "core.reap_stale_jobs" in out
