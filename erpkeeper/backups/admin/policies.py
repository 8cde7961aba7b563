"""Console pages for backup policies (one per target, edited through ``update_policy``) and the
target's disaster-recovery runbook (console page, printable page, plain text download)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display

from erpkeeper.backups import services
from erpkeeper.backups.forms import BackupPolicyForm
from erpkeeper.backups.models import BackupPolicy, ScheduleMode
from erpkeeper.backups.services.requests import (
    BACKUP_DRILL,
    BACKUP_RUN,
    BACKUP_VERIFY,
    request_offpeak,
)
from erpkeeper.backups.services.runbook import build_runbook
from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.scheduler import schedules
from erpkeeper.lib.admin import ServiceSaveMixin, admin_link, when_text, without_bulk_delete

COMMAND_PREFIX = "erpkeeper "
SCHEDULED_KINDS = {
    BACKUP_RUN: _("Next backup"),
    BACKUP_VERIFY: _("Next verification"),
    BACKUP_DRILL: _("Next recovery drill"),
}


def next_runs(target) -> dict[str, object]:
    """{job kind: next time or None} for the target's scheduled backup, verification, drill."""
    wanted = {f"{kind}:{target.pk}": kind for kind in SCHEDULED_KINDS}
    found = dict.fromkeys(SCHEDULED_KINDS)
    for schedule in schedules():
        if schedule.name in wanted:
            found[wanted[schedule.name]] = schedule.next_run()
    return found


def schedule_text(policy: BackupPolicy) -> str:
    if not policy.enabled:
        return str(_("Not scheduled"))
    if policy.schedule_mode == ScheduleMode.CRON and policy.cron:
        return str(_("Cron: %(cron)s") % {"cron": policy.cron})
    hour = 2 if policy.auto_hour is None else policy.auto_hour
    return str(_("Daily at %(hour)02d:00 (off-peak)") % {"hour": hour})


@admin.register(BackupPolicy)
class BackupPolicyAdmin(ServiceSaveMixin, ModelAdmin):
    form = BackupPolicyForm
    list_display = [
        "target",
        "schedule_display",
        "next_backup_display",
        "destination",
        "offsite_destination",
        "retention_display",
        "encrypt",
        "drill_enabled",
    ]
    list_select_related = ["target", "destination", "offsite_destination"]
    search_fields = ["target__name"]
    actions_detail = ["runbook", "find_offpeak_hour"]
    readonly_fields = ["target_link", "offpeak_display", "next_runs_display", "drill_server_state"]
    fieldsets = [
        (None, {"fields": ["target_link"]}),
        (
            _("Schedule"),
            {
                "fields": [
                    "enabled",
                    "schedule_mode",
                    "cron",
                    "offpeak_display",
                    "next_runs_display",
                ]
            },
        ),
        (
            _("What is backed up"),
            {"fields": ["include_database", "include_file_store", "include_platform"]},
        ),
        (
            _("Where and how"),
            {
                "fields": [
                    "destination",
                    "repository_kind",
                    "offsite_destination",
                    "encrypt",
                    "compression_level",
                    "parallel_jobs",
                ]
            },
        ),
        (
            _("Retention"),
            {"fields": ["keep_last", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly"]},
        ),
        (
            _("Verification and recovery drills"),
            {
                "fields": [
                    "verify_cron",
                    "drill_enabled",
                    "drill_cron",
                    "drill_server_state",
                    "drill_database_url",
                    "forget_drill_server",
                ]
            },
        ),
    ]

    # Policies come with their targets (and go with them): never added or removed by hand.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return without_bulk_delete(super().get_actions(request))

    def get_fieldsets(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # Read-only visitors: the write-only fields have nothing to show.
        hidden = {"drill_database_url", "forget_drill_server"}
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in self.fieldsets
        ]

    def save_through_service(self, request, obj, form, change):
        return services.update_policy(
            BackupPolicy.objects.get(pk=obj.pk),
            drill_database_url=form.drill_server(),
            **form.changes(),
        )

    # -- columns and read-only fields ------------------------------------------------------------

    @display(description=_("Target"))
    def target_link(self, obj):
        return admin_link("admin:targets_target_change", obj.target_id, obj.target.name)

    @display(description=_("Schedule"))
    def schedule_display(self, obj):
        return schedule_text(obj)

    @display(description=_("Next backup"))
    def next_backup_display(self, obj):
        return when_text(next_runs(obj.target)[BACKUP_RUN])

    @display(description=_("Retention"))
    def retention_display(self, obj):
        return _(
            "%(last)d last · %(daily)d daily · %(weekly)d weekly · %(monthly)d monthly · "
            "%(yearly)d yearly"
        ) % {
            "last": obj.keep_last,
            "daily": obj.keep_daily,
            "weekly": obj.keep_weekly,
            "monthly": obj.keep_monthly,
            "yearly": obj.keep_yearly,
        }

    @display(description=_("Off-peak hour"))
    def offpeak_display(self, obj):
        if obj.auto_hour is None:
            return _("Not computed yet: 02:00 until the weekly analysis of the ERP's activity.")
        return format_html(
            "<strong>{:02d}:00</strong> · {} <span class='text-xs'>({})</span>",
            obj.auto_hour,
            obj.auto_hour_basis,
            _("computed %(when)s") % {"when": when_text(obj.auto_hour_computed)},
        )

    @display(description=_("Next runs"))
    def next_runs_display(self, obj):
        runs = next_runs(obj.target)
        rows = [(label, when_text(runs[kind])) for kind, label in SCHEDULED_KINDS.items()]
        return render_to_string("backups/admin/next_runs.html", {"rows": rows})

    @display(description=_("Current drill server"))
    def drill_server_state(self, obj):
        if obj.drill_database_url_encrypted:
            return _("A separate server is configured (stored encrypted).")
        return _("None: drills restore a scratch copy next to the original database.")

    # -- runbook and off-peak hour --------------------------------------------------------------

    @action(description=_("Runbook"), icon="menu_book", permissions=["view"])
    def runbook(self, request, object_id):
        policy = get_object_or_404(BackupPolicy.objects.select_related("target"), pk=object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Disaster-recovery runbook: %(target)s") % {"target": policy.target.name},
            **self._runbook_context(policy),
        }
        return TemplateResponse(request, "backups/admin/runbook.html", context)

    @action(
        description=_("Find the off-peak hour now"),
        icon="schedule",
        permissions=["change"],
        dialog={
            "title": _("Find the off-peak hour now?"),
            "description": _(
                "The ERP's activity of the last 28 days is read (read-only) and the quietest "
                "hour becomes the time of the automatic backups."
            ),
            "form_class": None,
            "form_submit_text": _("Find it"),
        },
    )
    def find_offpeak_hour(self, request, form, object_id):
        policy = get_object_or_404(BackupPolicy, pk=object_id)
        return show_job(request, request_offpeak(policy.target, request.user))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/runbook/print/",
                wrap(self.runbook_print_view),
                name="backups_backuppolicy_runbook_print",
            ),
            path(
                "<int:pk>/runbook/text/",
                wrap(self.runbook_text_view),
                name="backups_backuppolicy_runbook_text",
            ),
            *super().get_urls(),
        ]

    def runbook_print_view(self, request, pk):
        policy = self._viewable_policy(request, pk)
        return TemplateResponse(
            request, "backups/admin/runbook_print.html", self._runbook_context(policy)
        )

    def runbook_text_view(self, request, pk):
        policy = self._viewable_policy(request, pk)
        response = HttpResponse(
            build_runbook(policy.target).as_text(), content_type="text/plain; charset=utf-8"
        )
        name = f"runbook-{policy.target.pk}-{timezone.localdate():%Y%m%d}.txt"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def _viewable_policy(self, request, pk) -> BackupPolicy:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(BackupPolicy.objects.select_related("target"), pk=pk)

    @staticmethod
    def _runbook_context(policy: BackupPolicy) -> dict:
        runbook = build_runbook(policy.target)
        return {
            "policy": policy,
            "target": policy.target,
            "runbook": runbook,
            "steps": [(title, detail_blocks(detail)) for title, detail in runbook.steps],
            "generated": timezone.now(),
        }


def detail_blocks(detail: str) -> list[dict]:
    """A step's detail as prose paragraphs and command blocks (consecutive commands together),
    so commands can be shown in <pre> and copied as they are."""
    blocks: list[dict] = []
    for line in filter(None, detail.splitlines()):
        is_command = line.startswith(COMMAND_PREFIX)
        if blocks and is_command and blocks[-1]["command"]:
            blocks[-1]["text"] += "\n" + line
        else:
            blocks.append({"command": is_command, "text": line})
    return blocks
