"""Console pages for backups and restores: read-only records; "Back up now", "Verify" and the
restore wizard queue jobs, whose page then shows the live progress."""

from __future__ import annotations

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.backups.forms import RestoreMode, RestoreWizardForm, TargetDialogForm
from erpkeeper.backups.models import Backup, BackupStatus, RepositoryKind, Restore
from erpkeeper.backups.services.requests import NotVerifiable, request_backup, request_verify
from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.lib.admin import (
    EvidenceAdminMixin,
    admin_link,
    mark,
    when_text,
)
from erpkeeper.lib.units import bytes_human

BACK_UP_DIALOG = {
    "title": _("Back up now?"),
    "description": _(
        "A backup of the target is taken in the background with its policy's scope, "
        "destination and encryption; its job page shows the progress."
    ),
    "form_class": TargetDialogForm,
    "form_submit_text": _("Back up now"),
}
VERIFY_DIALOG = {
    "title": _("Verify this backup?"),
    "description": _(
        "Every artifact is read back from the destination, its SHA-256 compared with the "
        "manifest and decrypted to the end. Nothing is restored."
    ),
    "form_class": None,
    "form_submit_text": _("Verify"),
}


def verification_text(backup: Backup):
    if backup.verify_ok is None:
        return format_html("{} {}", mark(None), _("Not verified yet"))
    when = when_text(backup.verified_at)
    if backup.verify_ok:
        return format_html("{} {}", mark(True), _("Verified %(when)s") % {"when": when})
    return format_html(
        "{} {}",
        mark(False),
        _("Failed %(when)s: %(error)s") % {"when": when, "error": backup.verify_error},
    )


@admin.register(Backup)
class BackupAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "target_column",
        "started",
        "trigger",
        "status_badge",
        "size_display",
        "encrypted",
        "verified_mark",
        "duration_display",
    ]
    list_display_links = ["id", "target_column"]
    list_filter = ["target", "status", "trigger"]
    list_select_related = ["target"]
    search_fields = ["target_name", "location"]
    actions_list = ["back_up_now"]
    actions_detail = ["verify", "restore"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "target_link",
                    "status_badge",
                    "trigger",
                    "started",
                    "finished",
                    "duration_display",
                    "job_link",
                    "error_display",
                ]
            },
        ),
        (
            _("Storage"),
            {
                "fields": [
                    "destination_link",
                    "repository_kind",
                    "snapshot_id",
                    "added_display",
                    "location",
                    "size_display",
                    "encrypted",
                    "key_fingerprint",
                ]
            },
        ),
        (_("Verification"), {"fields": ["verification_display"]}),
    ]
    # The manifest and the history want the page's full width, below the fields.
    change_form_after_template = "backups/admin/backup_contents.html"
    # A record of what happened: everything shown is read-only.
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    def has_back_up_permission(self, request, object_id=None):
        return request.user.has_perm("backups.add_backup")

    def has_verify_permission(self, request, object_id=None):
        return request.user.has_perm("backups.change_backup") and _restorable(object_id)

    def has_restore_permission(self, request, object_id=None):
        return request.user.has_perm("backups.restore_backup") and _restorable(object_id)

    # -- columns and fields ---------------------------------------------------------------------

    @display(description=_("Target"), ordering="target_name")
    def target_column(self, obj):
        return obj.target_name

    @display(description=_("Size stored / raw"))
    def size_display(self, obj):
        if obj.status == BackupStatus.FAILED:
            return "–"
        return f"{bytes_human(obj.stored_bytes)} / {bytes_human(obj.raw_bytes)}"

    @display(description=_("Bytes added"))
    def added_display(self, obj):
        """restic only: new chunks after deduplication (the rest was already stored)."""
        if obj.repository_kind != RepositoryKind.RESTIC or obj.status == BackupStatus.FAILED:
            return "–"
        return _("%(added)s new of %(raw)s read") % {
            "added": bytes_human(obj.added_bytes),
            "raw": bytes_human(obj.raw_bytes),
        }

    @display(description=_("Verified"), ordering="verify_ok")
    def verified_mark(self, obj):
        return mark(obj.verify_ok, obj.verify_error)

    @display(description=_("Target"))
    def target_link(self, obj):
        return admin_link("admin:targets_target_change", obj.target_id, obj.target_name)

    @display(description=_("Destination"))
    def destination_link(self, obj):
        return admin_link("admin:backups_destination_change", obj.destination_id, obj.destination)

    @display(description=_("Verification"))
    def verification_display(self, obj):
        return verification_text(obj)

    # -- actions -------------------------------------------------------------------------------

    @action(
        description=_("Back up now"),
        icon="backup",
        permissions=["back_up"],
        variant=ActionVariant.PRIMARY,
        dialog=BACK_UP_DIALOG,
    )
    def back_up_now(self, request, form):
        return show_job(request, request_backup(form.cleaned_data["target"], request.user))

    @action(description=_("Verify"), icon="verified", permissions=["verify"], dialog=VERIFY_DIALOG)
    def verify(self, request, form, object_id):
        backup = get_object_or_404(Backup, pk=object_id)
        try:
            return show_job(request, request_verify(backup, request.user))
        except NotVerifiable as exc:
            messages.error(request, str(exc))
            return redirect(reverse("admin:backups_backup_change", args=[backup.pk]))

    @action(
        description=_("Restore…"),
        icon="settings_backup_restore",
        permissions=["restore"],
        variant=ActionVariant.DANGER,
    )
    def restore(self, request, object_id):
        """The restore wizard: where to (a new database, or the original after typing its
        name), then a backup.restore job with the URL encrypted in its parameters."""
        backup = get_object_or_404(Backup.objects.select_related("target"), pk=object_id)
        form = RestoreWizardForm(backup, request.POST or None)
        if request.method == "POST":
            if form.is_valid():
                return show_job(request, form.request_restore(request.user))
            messages.error(request, _("The restore was not started: see the reasons below."))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Restore backup #%(id)s of %(target)s")
            % {"id": backup.pk, "target": backup.target_name},
            "backup": backup,
            "form": form,
            "replace_mode": RestoreMode.REPLACE.value,
            "backup_url": reverse("admin:backups_backup_change", args=[backup.pk]),
        }
        return TemplateResponse(request, "backups/admin/restore_wizard.html", context)


def _restorable(object_id) -> bool:
    """On a backup's page: only a succeeded backup (its target may have been removed)."""
    if object_id is None:
        return True
    return Backup.objects.filter(pk=object_id, status=BackupStatus.SUCCEEDED).exists()


@admin.register(Restore)
class RestoreAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "backup_link",
        "destination_masked",
        "replace",
        "status_badge",
        "started",
        "duration_display",
        "warning_count",
        "job_link",
    ]
    list_filter = ["status", "replace"]
    list_select_related = ["backup"]
    search_fields = ["backup__target_name", "destination_masked"]
    fields = [
        "backup_link",
        "destination_masked",
        "replace",
        "safety_backup_link",
        "status_badge",
        "started",
        "finished",
        "duration_display",
        "job_link",
        "error",
        "warnings_display",
    ]
    readonly_fields = fields

    @display(description=_("Backup"), ordering="backup")
    def backup_link(self, obj):
        return admin_link("admin:backups_backup_change", obj.backup_id, obj.backup)

    @display(description=_("Warnings"))
    def warning_count(self, obj):
        return len(obj.warnings) or "—"

    @display(description=_("Warnings"))
    def warnings_display(self, obj):
        if not obj.warnings:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}", ((warning,) for warning in obj.warnings))

    @display(description=_("Safety backup"))
    def safety_backup_link(self, obj):
        return admin_link("admin:backups_backup_change", obj.safety_backup_id, obj.safety_backup)
