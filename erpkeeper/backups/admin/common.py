"""What the backup console pages share: starting jobs, marks, durations, badges."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from erpkeeper.backups.services.requests import JobRequest
from erpkeeper.lib.units import duration_short

OK_COLOR = "#16a34a"
BAD_COLOR = "#dc2626"
MUTED_COLOR = "#94a3b8"

STATUS_VARIANTS = {
    "running": "info",
    "succeeded": "success",
    "failed": "danger",
    "pruned": "warning",
}


def badge(status: str, text) -> str:
    """A coloured label, in lists and on detail pages alike (unfold's ``label=`` display only
    colours list cells; a read-only field would show the raw tuple)."""
    return render_to_string(
        "unfold/helpers/label.html", {"text": text, "variant": STATUS_VARIANTS.get(status)}
    )


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


def navigate(request, url: str) -> HttpResponse:
    # Unfold's dialogs post through htmx: tell it to navigate instead of swapping the answer in.
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def mark(passed: bool | None, title: str = "") -> str:
    """✓ in green, ✗ in red, – when unknown (inline colours: the stylesheet lacks some)."""
    if passed is None:
        return format_html('<span style="color: {}" title="{}">–</span>', MUTED_COLOR, title)
    color, symbol = (OK_COLOR, "✓") if passed else (BAD_COLOR, "✗")
    return format_html(
        '<span style="color: {}; font-weight: 600" title="{}">{}</span>', color, title, symbol
    )


def when_text(moment) -> str:
    if moment is None:
        return "–"
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    # Drills of small databases take under a second: "0s" would read as "not measured".
    return f"{seconds:.1f}s" if seconds < 10 else duration_short(seconds)


def admin_link(url_name: str, pk, text) -> str:
    if pk is None:
        return "–"
    return format_html(
        '<a class="text-primary-600" href="{}">{}</a>', reverse(url_name, args=[pk]), text
    )


def without_bulk_delete(actions: dict) -> dict:
    # Backups, drills and restores are evidence; destinations go through remove_destination.
    actions.pop("delete_selected", None)
    return actions
