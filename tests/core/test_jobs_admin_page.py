"""A job's page: readable parameters without secrets, links to what it made, and retry only
where there is something to retry."""

import pytest
from django.urls import reverse
from django.utils import timezone

from erpkeeper.backups.models import Backup, BackupStatus, BackupTrigger
from erpkeeper.core.jobs import enqueue, run_job
from erpkeeper.core.models import Job
from erpkeeper.lib import crypto

pytestmark = pytest.mark.django_db

SECRET_URL = "postgresql://erp:hunter2-secret@db.example.com/shop_restored"


def job_page(client, job) -> str:
    return client.get(reverse("admin:core_job_change", args=[job.pk])).content.decode()


@pytest.fixture
def restore_job(backup_key_file):
    ciphertext = crypto.encrypt(SECRET_URL)
    job = enqueue(
        "core.test.sleep",
        params={"backup_id": 7, "to_url_encrypted": ciphertext, "replace": False, "files_to": ""},
    )
    return job, ciphertext


def test_parameters_show_by_name_and_hide_encrypted_values(olga, restore_job, console_client_for):
    job, ciphertext = restore_job
    html = job_page(console_client_for(olga), job)
    assert ciphertext not in html
    assert "hunter2-secret" not in html
    assert "<dt>to_url</dt><dd>(encrypted, not shown)</dd>" in html
    assert "<dt>backup_id</dt><dd>7</dd>" in html


def test_the_page_links_to_what_the_job_made(olga, console_client_for):
    job = enqueue("core.test.sleep")
    backup = Backup.objects.create(
        target_name="shop",
        trigger=BackupTrigger.MANUAL,
        status=BackupStatus.SUCCEEDED,
        location="/backups/shop/1",
        started=timezone.now(),
        job=job,
    )
    html = job_page(console_client_for(olga), job)
    assert 'data-testid="job-outputs"' in html
    assert reverse("admin:backups_backup_change", args=[backup.pk]) in html


def test_a_job_that_made_nothing_shows_no_outputs(olga, console_client_for):
    html = job_page(console_client_for(olga), enqueue("core.test.sleep"))
    assert 'data-testid="job-outputs"' not in html


def test_retry_is_offered_on_failed_jobs_only(alice, console_client_for):
    client = console_client_for(alice)
    failed = run_job(enqueue("core.test.fail").pk, heartbeat=False)
    succeeded = run_job(enqueue("core.test.sleep", params={"seconds": 0}).pk, heartbeat=False)
    assert (failed.status, succeeded.status) == (Job.Status.FAILED, Job.Status.SUCCEEDED)
    assert "retry_detail" in job_page(client, failed)
    assert "retry_detail" not in job_page(client, succeeded)
    response = client.post(
        reverse("admin:core_job_retry_detail", args=[succeeded.pk]), {"_form_submitted": "on"}
    )
    assert response.status_code == 403
    before = Job.objects.count()
    client.post(
        reverse("admin:core_job_changelist"),
        {"action": "retry_selected", "_selected_action": [failed.pk, succeeded.pk]},
    )
    assert Job.objects.count() == before + 1  # the failed one only
