"""Console pages for setting the desk up: queues (members, assignment, hours), SLA policies,
canned replies, the portal's announcements and the days the holiday calendars get wrong."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.lib.admin import ServiceSaveMixin
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.admin.forms import BusinessHoursField
from erpkeeper.servicedesk.models import (
    Announcement,
    CalendarDay,
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


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["calendar", "date", "kind", "note"]

    def clean(self):
        data = super().clean()
        try:  # the service's rules, shown on the form's fields
            services.check_calendar_day(**{k: data.get(k) for k in self.Meta.fields})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceSaveMixin, ModelAdmin):
    """Days off and adjusted working days (调休) the holiday library does not know yet."""

    form = CalendarDayForm
    list_display = ["date", "calendar", "kind", "note", "changed"]
    list_filter = ["calendar", "kind"]
    search_fields = ["note"]
    date_hierarchy = "date"

    def save_through_service(self, request, obj, form, change):
        if change:
            old = CalendarDay.objects.get(pk=obj.pk)
            if (old.calendar, old.date) != (obj.calendar, obj.date):
                services.remove_calendar_day(old)
        fields = {name: form.cleaned_data[name] for name in CalendarDayForm.Meta.fields}
        return services.set_calendar_day(**fields)

    def delete_model(self, request, obj):
        services.remove_calendar_day(obj)
