"""What the backup console pages share beyond the console toolkit (``erpkeeper.lib.admin``):
opening the page of the job a request queued."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from erpkeeper.backups.services.requests import JobRequest
from erpkeeper.lib.admin import navigate


def show_job(request, asked: JobRequest) -> HttpResponse:
    """Open the job page of a job just requested (``request_backup`` ...), with its live
    progress; when the same work was already queued or running, say so and open that one."""
    job = asked.job
    if asked.reused:
        text = _("This is already queued or running as job %(id)s.") % {"id": job.pk}
        messages.info(request, text)
        return navigate(request, job_url(job))
    if job.target is None:  # a backup whose target was removed (verify, restore)
        text = _("Job %(id)s queued; its progress shows below.") % {"id": job.pk}
    else:
        text = _("Job %(id)s queued for %(target)s; its progress shows below.") % {
            "id": job.pk,
            "target": job.target.name,
        }
    messages.success(request, text)
    return navigate(request, job_url(job))


def job_url(job) -> str:
    return reverse("admin:core_job_change", args=[job.pk])
