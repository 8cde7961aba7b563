"""Announcements: written here, sent to the team when they start, shown on the portal."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Announcement
from erpkeeper.lib.admin import ServiceSaveMixin


@admin.register(Announcement)
class AnnouncementAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["title", "level", "to_team", "team", "to_portal", "starts", "ends", "sent_at"]
    list_filter = ["level", "to_team", "to_portal"]
    search_fields = ["title", "title_zh", "text", "text_zh"]
    fields = [
        "title",
        "text",
        "title_zh",
        "text_zh",
        "level",
        "to_team",
        "team",
        "to_portal",
        "starts",
        "ends",
        "sent_at",
    ]
    readonly_fields = ["sent_at"]

    def save_through_service(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in services.announcements.FIELDS}
        if change:
            return services.update_announcement(obj, **fields)
        return services.create_announcement(actor=request.user, **fields)
