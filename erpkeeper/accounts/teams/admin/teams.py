"""Teams with their members inline."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import Team, TeamMembership
from erpkeeper.lib.admin import ServiceSaveMixin


class TeamMembershipInline(TabularInline):
    model = TeamMembership
    fields = ["user", "role", "responsibility"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Team)
class TeamAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["name", "lead", "member_count", "on_call_now"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "lead"]
    autocomplete_fields = ["lead"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lead").prefetch_related("memberships")

    @admin.display(description=_("members"))
    def member_count(self, obj):
        return len(obj.memberships.all())

    @admin.display(description=_("on call now"))
    def on_call_now(self, obj):
        user = services.on_call(obj)
        return (user.get_full_name() or user.get_username()) if user else "—"

    def save_through_service(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in services.teams.TEAM_FIELDS}
        if change:
            return services.update_team(obj, **fields)
        return services.create_team(**fields)
