"""Console pages for setting the desk up: queues (members, assignment, hours), SLA policies,
canned replies and the portal's announcements."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.servicedesk.admin.forms import BusinessHoursField
from erpkeeper.servicedesk.models import (
    Announcement,
    CannedReply,
    Queue,
    QueueSkill,
    SlaPolicy,
    TicketStatus,
)
from erpkeeper.servicedesk.sla.calendars import is_supported


class QueueForm(forms.ModelForm):
    business_hours = BusinessHoursField(
        label=_("business hours"),
        help_text=_('Per day, e.g. {"mon": "09:00-12:00,13:00-18:00"}; a day left out is off.'),
    )

    class Meta:
        model = Queue
        fields = [
            "name",
            "description",
            "email",
            "members",
            "assignment",
            "business_hours",
            "time_zone",
            "holiday_calendar",
        ]

    def clean_time_zone(self):
        zone = self.cleaned_data["time_zone"]
        try:
            ZoneInfo(zone)
        except (ValueError, LookupError, OSError):
            raise forms.ValidationError(_("Unknown time zone, e.g. Asia/Shanghai.")) from None
        return zone

    def clean_holiday_calendar(self):
        country = self.cleaned_data["holiday_calendar"].strip().upper()
        if not is_supported(country):
            raise forms.ValidationError(_("Unknown country code, e.g. CN."))
        return country


class QueueSkillInline(TabularInline):
    model = QueueSkill
    extra = 0
    fields = ["member", "erp_modules"]


@admin.register(Queue)
class QueueAdmin(ModelAdmin):
    form = QueueForm
    inlines = [QueueSkillInline]
    list_display = ["name", "email", "assignment", "member_count", "open_count", "time_zone"]
    search_fields = ["name", "email"]
    filter_horizontal = ["members"]

    @display(description=_("members"))
    def member_count(self, obj):
        return obj.members.count()

    @display(description=_("open tickets"))
    def open_count(self, obj):
        active = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
        return obj.tickets.filter(status__in=active).count()


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ModelAdmin):
    list_display = ["name", "queue", "priority", "first_response_minutes", "resolution_minutes"]
    list_filter = ["queue", "priority"]
    list_select_related = ["queue"]


@admin.register(CannedReply)
class CannedReplyAdmin(ModelAdmin):
    list_display = ["name", "queue", "updated"]
    list_filter = ["queue"]
    search_fields = ["name", "body"]


@admin.register(Announcement)
class AnnouncementAdmin(ModelAdmin):
    """Notices on the portal for ERP end users (their maintenance windows show there too)."""

    list_display = ["title", "level", "starts", "ends", "updated"]
    list_filter = ["level"]
    search_fields = ["title", "body"]
