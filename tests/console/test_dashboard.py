"""The dashboard's job chart counts runs per local day."""

import datetime as dt

import pytest
from django.utils import timezone

from erpkeeper.core.dashboard import CHART_DAYS, job_chart
from erpkeeper.core.models import Job

pytestmark = pytest.mark.django_db


def make_job(status, days_ago):
    job = Job.objects.create(kind="target.check", status=status)
    Job.objects.filter(pk=job.pk).update(created=timezone.now() - dt.timedelta(days=days_ago))


def test_chart_counts_succeeded_and_failed_runs_per_day():
    make_job(Job.Status.SUCCEEDED, 0)
    make_job(Job.Status.SUCCEEDED, 0)
    make_job(Job.Status.FAILED, 1)
    make_job(Job.Status.RUNNING, 0)
    make_job(Job.Status.SUCCEEDED, CHART_DAYS + 3)  # older than the chart
    chart = job_chart()
    succeeded, failed = (dataset["data"] for dataset in chart["datasets"])
    assert len(chart["labels"]) == CHART_DAYS
    assert succeeded[-1] == 2 and sum(succeeded) == 2
    assert failed[-2] == 1 and sum(failed) == 1


def test_the_dashboard_is_titled_dashboard_not_site_administration(client, olga):
    client.force_login(olga)
    page = client.get("/").content.decode()
    assert "Site administration" not in page
    assert page.count("Dashboard") >= 2  # the header and the sidebar
