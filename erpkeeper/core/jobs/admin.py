"""Console pages for job runs: a live list and a detail page with the log; cancel and retry;
the history cleanup on demand.

Jobs are records of work, so the pages are read-only; cancel and retry go through the services.
Running rows refresh in place: static/core/jobs/live.js polls /api/v1/jobs/ every 2 s.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.core.housekeeping import queue_housekeeping
from erpkeeper.core.jobs import JobStateError, cancel, retry
from erpkeeper.core.jobs.services import JobRequest
from erpkeeper.core.models import ENCRYPTED_PLACEHOLDER, Job
from erpkeeper.lib.admin import EvidenceAdminMixin, navigate, run_badge
from erpkeeper.lib.units import duration_short

CANCEL_DIALOG = {
    "title": _("Cancel this job?"),
    "description": _(
        "A queued job is cancelled at once. A running job stops at its next checkpoint."
    ),
    "form_class": None,
    "form_submit_text": _("Yes, cancel it"),
}
HOUSEKEEPING_DIALOG = {
    "title": _("Delete old history now?"),
    "description": _(
        "Finished job runs, sent or resolved notifications and delivery attempts older than "
        "the kept history (ERPKEEPER_KEEP_HISTORY_DAYS, 180 days by default) are deleted, as "
        "the daily cleanup does. Backups, alerts and the audit trail are kept."
    ),
    "form_class": None,
    "form_submit_text": _("Yes, delete old history"),
}
# Only a job that did not finish its work may be retried; a succeeded one offers no retry.
RETRYABLE = (Job.Status.FAILED, Job.Status.CANCELLED)
MAX_OUTPUTS = 20  # per kind of row: a job makes one or a few; the page must stay short

RETRY_DIALOG = {
    "title": _("Run this job again?"),
    "description": _("A new job with the same kind, target and parameters is queued."),
    "form_class": None,
    "form_submit_text": _("Yes, run it again"),
}


def status_badge_html(status: str) -> str:
    label = Job.Status(status).label if status in Job.Status.values else status
    return run_badge(status, label)


@admin.register(Job)
class JobAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "kind_display",
        "target_link",
        "status_badge",
        "progress_bar",
        "requested_by_display",
        "created",
        "started",
        "duration_display",
    ]
    list_display_links = ["id", "kind_display"]
    list_filter = ["status", "kind", "target", "created"]
    search_fields = ["kind", "requested_by_name", "error", "target__name"]
    list_select_related = ["target"]
    actions = ["cancel_selected", "retry_selected"]
    actions_list = ["housekeeping_now"]
    actions_detail = ["cancel_detail", "retry_detail"]
    list_before_template = "core/jobs/live_config.html"
    change_form_before_template = "core/jobs/job_top.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "target_link",
                    "status_badge",
                    "progress_bar",
                    "progress_message",
                    "error_display",
                ]
            },
        ),
        (_("Log"), {"fields": ["log_panel"]}),
        (_("Parameters and result"), {"fields": ["params_display", "result_display"]}),
        (
            _("Timing and origin"),
            {
                "fields": [
                    "requested_by_name",
                    "created",
                    "started",
                    "finished",
                    "duration_display",
                    "heartbeat",
                    "worker",
                    "cancelled_by_name",
                    "cancel_requested",
                    "task_id",
                ]
            },
        ),
    ]
    # Everything shown is read-only: the list is the fieldsets' fields, not a second copy.
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    class Media:
        css = {"all": ["core/jobs/jobs.css"]}
        js = ["core/jobs/live.js"]

    # -- permissions: job history is evidence; cancel and retry go through the services ------

    def has_cancel_permission(self, request, object_id=None):
        # On a job's page the button shows only while there is something to cancel.
        return request.user.has_perm("core.change_job") and (
            object_id is None or self._job_is(object_id, finished=False)
        )

    def has_retry_permission(self, request, object_id=None):
        # A succeeded job has nothing to retry (run the work anew from its own page instead).
        return request.user.has_perm("core.change_job") and (
            object_id is None or Job.objects.filter(pk=object_id, status__in=RETRYABLE).exists()
        )

    def has_housekeeping_permission(self, request):
        return request.user.has_perm("core.delete_job")  # it deletes old job runs

    @staticmethod
    def _job_is(object_id, finished: bool) -> bool:
        status = Job.objects.filter(pk=object_id).values_list("status", flat=True).first()
        return status is not None and (status in Job.FINISHED) == finished

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), **self._live(None)})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        context = {**(extra_context or {}), **self._live(object_id)}
        job = Job.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if job is not None:
            context["job_outputs"] = job_outputs(job, request, self.admin_site)
        return super().changeform_view(request, object_id, form_url, context)

    def _live(self, object_id) -> dict:
        config = {
            "api": reverse("job-list"),
            "job": int(object_id) if object_id and str(object_id).isdigit() else None,
            "badges": {status: status_badge_html(status) for status in Job.Status.values},
            "active": [Job.Status.QUEUED, Job.Status.RUNNING],
            "interval": 2000,
        }
        return {"job_live_config": json.dumps(config)}

    # -- columns and fields ------------------------------------------------------------------

    @display(description=_("Target"), ordering="target__name")
    def target_link(self, job):
        if job.target is None:
            return "–"
        url = reverse("admin:targets_target_change", args=[job.target_id])
        return format_html('<a href="{}">{}</a>', url, job.target.name)

    @display(description=_("Status"), ordering="status")
    def status_badge(self, job):
        return format_html(
            '<span data-job-status="{}" data-status="{}">{}</span>',
            job.pk,
            job.status,
            _mark_safe(status_badge_html(job.status)),
        )

    @display(description=_("Progress"), ordering="progress")
    def progress_bar(self, job):
        return render_to_string("core/jobs/progress.html", {"job": job})

    @display(description=_("Requested by"), ordering="requested_by_name")
    def requested_by_display(self, job):
        return job.requested_by_name or "–"

    @display(description=_("Duration"))
    def duration_display(self, job):
        text = ""
        if job.started:
            text = duration_short(((job.finished or timezone.now()) - job.started).total_seconds())
        return format_html('<span data-job-duration="{}">{}</span>', job.pk, text or "–")

    @display(description=_("kind"), ordering="kind")
    def kind_display(self, job):
        return job.kind_label  # "Backup", not "backup.run"

    @display(description=_("Error"))
    def error_display(self, job):
        if not job.error:
            return "–"
        return format_html('<span class="text-red-600" data-job-error>{}</span>', job.error)

    @display(description=_("Log"))
    def log_panel(self, job):
        return render_to_string("core/jobs/log_panel.html", {"job": job})

    @display(description=_("Parameters"))
    def params_display(self, job):
        return params_html(job.shown_params)

    @display(description=_("Result"))
    def result_display(self, job):
        return _json_block(job.result, attrs="data-job-result")

    # -- actions: bulk (list), dialog (detail); all through the services --------------------

    @admin.action(description=_("Cancel selected jobs"), permissions=["cancel"])
    def cancel_selected(self, request, queryset):
        done = sum(self._cancel(request, job, quiet=True) for job in queryset)
        text = ngettext(
            "%(count)d job cancelled or asked to stop.",
            "%(count)d jobs cancelled or asked to stop.",
            done,
        )
        messages.info(request, text % {"count": done})

    @admin.action(description=_("Retry selected jobs"), permissions=["retry"])
    def retry_selected(self, request, queryset):
        retryable = queryset.filter(status__in=RETRYABLE)
        done = sum(self._retry(request, job, quiet=True) is not None for job in retryable)
        text = ngettext("%(count)d job queued again.", "%(count)d jobs queued again.", done)
        messages.info(request, text % {"count": done})

    @action(
        description=_("Cancel job"),
        icon="cancel",
        permissions=["cancel"],
        variant=ActionVariant.DANGER,
        dialog=CANCEL_DIALOG,
    )
    def cancel_detail(self, request, form, object_id):
        job = Job.objects.get(pk=object_id)
        self._cancel(request, job)
        return navigate(request, reverse("admin:core_job_change", args=[job.pk]))

    @action(description=_("Retry job"), icon="replay", permissions=["retry"], dialog=RETRY_DIALOG)
    def retry_detail(self, request, form, object_id):
        job = Job.objects.get(pk=object_id)
        new_job = self._retry(request, job)
        target = new_job.pk if new_job is not None else job.pk
        return navigate(request, reverse("admin:core_job_change", args=[target]))

    @action(
        description=_("Delete old history now"),
        icon="cleaning_services",
        permissions=["housekeeping"],
        dialog=HOUSEKEEPING_DIALOG,
    )
    def housekeeping_now(self, request, form):
        job = queue_housekeeping(requested_by=request.user)
        messages.success(request, _("Job %(id)s deletes the old history.") % {"id": job.pk})
        return navigate(request, reverse("admin:core_job_change", args=[job.pk]))

    def _cancel(self, request, job, quiet=False) -> bool:
        try:
            job = cancel(job, actor=request.user)
        except JobStateError as exc:
            if not quiet:
                messages.warning(request, str(exc))
            return False
        if not quiet:
            if job.status == Job.Status.CANCELLED:
                messages.success(request, _("Job %(id)s cancelled.") % {"id": job.pk})
            else:
                messages.info(
                    request,
                    _("Job %(id)s is running; it stops at its next checkpoint.") % {"id": job.pk},
                )
        return True

    def _retry(self, request, job, quiet=False):
        try:
            new_job = retry(job, actor=request.user)
        except (JobStateError, ValueError) as exc:
            if not quiet:
                messages.warning(request, str(exc))
            return None
        if not quiet:
            messages.success(request, _("Job %(id)s queued as a retry.") % {"id": new_job.pk})
        return new_job


def _mark_safe(html: str):
    return mark_safe(html)  # noqa: S308  (rendered from our own template)


def params_html(params: dict) -> str:
    """The job's parameters as name and value, secrets left out: a ``*_encrypted`` value (the
    restore's destination URL) is a ciphertext nobody can read, so only its name shows."""
    if not params:
        return "–"
    rows = []
    for name, value in sorted(params.items()):
        if value == ENCRYPTED_PLACEHOLDER:
            value = _("(encrypted, not shown)")
        elif isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
        elif value in ("", None):
            value = "–"
        rows.append((name, value))
    items = format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
    return format_html('<dl class="ek-job-params" data-job-params>{}</dl>', items)


def job_outputs(job: Job, request, admin_site) -> list[dict]:
    """The rows this job made (a backup, a restore, a drill ...), found through the foreign keys
    other apps hold to Job, so core names none of them; only those the user may view."""
    outputs = []
    for relation in Job._meta.related_objects:
        model = relation.related_model
        model_admin = admin_site._registry.get(model)
        if not relation.one_to_many or model_admin is None:
            continue
        if not model_admin.has_view_permission(request):
            continue
        made = model._default_manager.filter(**{relation.field.name: job})[:MAX_OUTPUTS]
        url_name = f"{admin_site.name}:{model._meta.app_label}_{model._meta.model_name}_change"
        outputs += [
            {
                "kind": capfirst(model._meta.verbose_name),
                "text": str(row),
                "url": reverse(url_name, args=[row.pk]),
            }
            for row in made
        ]
    return outputs


def _json_block(value, attrs: str = "") -> str:
    if not value:
        return "–"
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
    return format_html('<pre class="ek-job-json" {}>{}</pre>', attrs, text)


def show_requested_job(request, asked: JobRequest) -> HttpResponse:
    """Open the page of a job just requested (``request_backup``, ``request_snapshot`` ...),
    with its live progress; when the same work was already queued or running, say so and open
    that one. Every app's "... now" button ends here."""
    job = asked.job
    url = reverse("admin:core_job_change", args=[job.pk])
    if asked.reused:
        text = gettext("This is already queued or running as job %(id)s.") % {"id": job.pk}
        messages.info(request, text)
        return navigate(request, url)
    if job.target is None:  # e.g. a backup whose target was removed (verify, restore)
        text = gettext("Job %(id)s queued; its progress shows below.") % {"id": job.pk}
    else:
        text = gettext("Job %(id)s queued for %(target)s; its progress shows below.") % {
            "id": job.pk,
            "target": job.target.name,
        }
    messages.success(request, text)
    return navigate(request, url)
