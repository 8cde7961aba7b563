"""What the console page of any run record shows the same way (a backup, a copy, a restore, a
drill, and kinds to come): its status as a badge, its duration, its job and its error."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from erpkeeper.lib.admin import BAD_COLOR, admin_link, duration_text, run_badge


class RunAdminMixin:
    """Columns and read-only fields for a ModelAdmin of a ``core.runs.RunRecord`` model.
    ``status_text`` says the status in the model's words (a drill "passed")."""

    def status_text(self, obj) -> str:
        return obj.get_status_display()

    @display(description=_("Status"), ordering="status")
    def status_badge(self, obj):
        return run_badge(obj.status, self.status_text(obj))

    @display(description=_("Duration"))
    def duration_display(self, obj):
        return duration_text(obj.duration_seconds)

    @display(description=_("Job"))
    def job_link(self, obj):
        return admin_link("admin:core_job_change", obj.job_id, f"#{obj.job_id}")

    @display(description=_("Error"))
    def error_display(self, obj):
        if not obj.error:
            return "–"
        return format_html('<span style="color: {}">{}</span>', BAD_COLOR, obj.error)
