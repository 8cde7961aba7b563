"""What surrounds change requests in the console: templates, blackout windows, the board,
release notes, repositories, and the read-only version snapshots and pipeline runs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from erpkeeper.changes.models import (
    AdvisoryBoard,
    BlackoutWindow,
    ChangeTemplate,
    PipelineRun,
    PipelineStatus,
    ReleaseNote,
    Repository,
    VersionSnapshot,
)
from erpkeeper.changes.services.versions import save_release_note
from erpkeeper.lib.admin import EvidenceAdminMixin, ServiceSaveMixin, badge

PIPELINE_VARIANTS = {
    PipelineStatus.SUCCESS: "success",
    PipelineStatus.FAILED: "danger",
    PipelineStatus.RUNNING: "primary",
    PipelineStatus.CANCELED: "warning",
}


@admin.register(ChangeTemplate)
class ChangeTemplateAdmin(ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(BlackoutWindow)
class BlackoutWindowAdmin(ModelAdmin):
    list_display = ["name", "start", "end", "all_targets"]
    list_filter = ["all_targets"]
    search_fields = ["name"]
    filter_horizontal = ["targets"]


@admin.register(AdvisoryBoard)
class AdvisoryBoardAdmin(ModelAdmin):
    list_display = ["name", "roles", "quorum"]


@admin.register(ReleaseNote)
class ReleaseNoteAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["product", "version", "change", "created"]
    search_fields = ["product", "version", "notes", "known_issues"]
    fields = ["product", "version", "notes", "known_issues", "link", "change"]
    autocomplete_fields = ["change"]

    def save_through_service(self, request, obj, form, change):
        return save_release_note(obj, request.user)


@admin.register(Repository)
class RepositoryAdmin(ModelAdmin):
    list_display = ["name", "target", "description"]
    search_fields = ["name"]


@admin.register(VersionSnapshot)
class VersionSnapshotAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = ["target", "taken", "erp_version", "changes_text", "history_link"]
    list_filter = ["target"]
    fields = ["target", "taken", "erp_version", "previous_erp_version", "modules", "changes"]

    @display(description=_("what changed"))
    def changes_text(self, obj):
        return ", ".join(f"{c['module']} {c['kind']}" for c in obj.changes[:6]) or "–"

    @display(description=_("history"))
    def history_link(self, obj):
        url = reverse("changes-versions", args=[obj.target_id])
        return format_html('<a class="text-primary-600" href="{}">{}</a>', url, _("history"))


@admin.register(PipelineRun)
class PipelineRunAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "repository",
        "branch",
        "status_badge",
        "tests_text",
        "source",
        "change",
        "target",
        "received",
    ]
    list_filter = ["source", "status", "target"]
    search_fields = ["repository", "branch", "commit"]

    @display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return badge(PIPELINE_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("tests (failed)"))
    def tests_text(self, obj):
        if obj.tests_total is None:
            return "–"
        return f"{obj.tests_total} ({obj.tests_failed or 0})"
