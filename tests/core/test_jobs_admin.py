"""The console's job pages: live list, read-only detail with log, cancel/retry via the services."""

from __future__ import annotations

import pytest

from erpkeeper.core.jobs import enqueue, run_job
from erpkeeper.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(victor, console_client_for):
    return console_client_for(victor)  # Viewer: sees jobs only


@pytest.fixture
def operator(olga, console_client_for):
    return console_client_for(olga)  # Ops engineer: cancels and retries


@pytest.fixture
def jobs():
    failed = run_job(enqueue("core.test.fail", params={"expected": True}).pk, heartbeat=False)
    running = enqueue("core.test.sleep")
    Job.objects.filter(pk=running.pk).update(
        status=Job.Status.RUNNING, progress=42.0, progress_message="copying"
    )
    queued = enqueue("core.test.sleep")
    return {"failed": failed, "running": running, "queued": queued}


def test_the_list_shows_badges_progress_and_the_live_script(viewer, jobs):
    response = viewer.get("/core/job/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-job-status="{jobs["running"].pk}" data-status="running"' in html
    assert f'data-job-progress="{jobs["running"].pk}"' in html
    assert "width: 42%" in html
    assert "core/jobs/live.js" in html
    assert 'id="job-live-config"' in html
    assert "/api/v1/jobs/" in html


def test_the_detail_page_shows_the_log_and_no_save_button(viewer, jobs):
    job = jobs["failed"]
    response = viewer.get(f"/core/job/{job.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "about to fail" in html
    assert "the test asked this job to fail" in html
    assert f'data-job-log="{job.pk}"' in html
    assert 'name="_save"' not in html


def test_nothing_can_be_added_or_edited(operator, jobs):
    assert operator.get("/core/job/add/").status_code == 403
    job = jobs["failed"]
    response = operator.post(f"/core/job/{job.pk}/change/", {"kind": "changed"})
    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).kind == "core.test.fail"


def test_a_viewer_sees_no_cancel_or_retry(viewer, jobs):
    html = viewer.get(f"/core/job/{jobs['queued'].pk}/change/").content.decode()
    assert "cancel_detail" not in html and "retry_detail" not in html
    response = viewer.post(f"/core/job/{jobs['queued'].pk}/cancel_detail/", {"_form_submitted": 1})
    assert response.status_code == 403
    assert Job.objects.get(pk=jobs["queued"].pk).status == Job.Status.QUEUED


def test_cancel_from_the_detail_page_asks_first_then_cancels(operator, jobs):
    job = jobs["queued"]
    url = f"/core/job/{job.pk}/cancel_detail/"
    assert url in operator.get(f"/core/job/{job.pk}/change/").content.decode()
    confirm = operator.get(url)
    assert confirm.status_code == 200 and b"Cancel this job?" in confirm.content
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # a GET never cancels
    response = operator.post(url, {"_form_submitted": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/core/job/{job.pk}/change/"
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.cancelled_by_name == "olga"


def test_cancel_of_a_running_job_asks_it_to_stop(operator, jobs):
    job = jobs["running"]
    response = operator.post(f"/core/job/{job.pk}/cancel_detail/", {"_form_submitted": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.cancel_requested is not None


def test_retry_from_the_detail_page_opens_the_new_job(operator, jobs):
    job = jobs["failed"]
    response = operator.post(f"/core/job/{job.pk}/retry_detail/", {"_form_submitted": "on"})
    new_job = Job.objects.exclude(pk__in=[j.pk for j in jobs.values()]).get()
    assert response.status_code == 302
    assert response["Location"] == f"/core/job/{new_job.pk}/change/"
    assert new_job.kind == job.kind and new_job.status == Job.Status.QUEUED


def test_bulk_actions_go_through_the_services(operator, jobs):
    ids = [jobs["queued"].pk, jobs["failed"].pk]
    response = operator.post(
        "/core/job/", {"action": "cancel_selected", "_selected_action": ids}, follow=True
    )
    assert response.status_code == 200
    assert Job.objects.get(pk=jobs["queued"].pk).status == Job.Status.CANCELLED
    assert Job.objects.get(pk=jobs["failed"].pk).status == Job.Status.FAILED
    before = Job.objects.count()
    operator.post("/core/job/", {"action": "retry_selected", "_selected_action": ids})
    assert Job.objects.count() == before + 2


def test_only_the_actions_that_apply_are_offered(operator, jobs):
    failed = operator.get(f"/core/job/{jobs['failed'].pk}/change/").content.decode()
    assert "retry_detail" in failed and "cancel_detail" not in failed
    queued = operator.get(f"/core/job/{jobs['queued'].pk}/change/").content.decode()
    assert "cancel_detail" in queued and "retry_detail" not in queued
    response = operator.post(
        f"/core/job/{jobs['failed'].pk}/cancel_detail/", {"_form_submitted": "on"}
    )
    assert response.status_code == 403
