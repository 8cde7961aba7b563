"""Rotas with their members in order, the on-call page (who is on call now, the coming
shifts as a timeline, the latest hand-over notes), overrides and hand-over notes."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline

from erpkeeper.accounts.teams import services
from erpkeeper.accounts.teams.models import HandoverNote, Rota, RotaMember, RotaOverride, Team
from erpkeeper.lib.admin import ServiceSaveMixin

TIMELINE_SHIFTS = 8
MAX_TIMELINE_SHIFTS = 60


class RotaMemberInline(TabularInline):
    model = RotaMember
    fields = ["position", "user"]
    autocomplete_fields = ["user"]
    ordering = ["position", "pk"]
    extra = 0


@admin.register(Rota)
class RotaAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = [
        "__str__",
        "rotation",
        "handover_time",
        "time_zone",
        "start_date",
        "on_call_now",
    ]
    list_filter = ["team", "rotation"]
    fields = ["team", "name", "rotation", "handover_time", "time_zone", "start_date"]
    inlines = [RotaMemberInline]
    actions = ["new_feed"]

    @admin.display(description=gettext_lazy("on call now"))
    def on_call_now(self, obj):
        shift = services.oncall.rotation_shift(obj, timezone.now())
        return shift.user.get_username() if shift else "—"

    def save_through_service(self, request, obj, form, change):
        fields = {name: getattr(obj, name) for name in services.oncall.ROTA_FIELDS}
        if change:
            return services.update_rota(obj, **fields)
        return services.create_rota(team=obj.team, **fields)

    @admin.action(
        description=gettext_lazy("Make a new calendar feed address"), permissions=["change"]
    )
    def new_feed(self, request, queryset):
        for rota in queryset:
            token = services.new_feed_token(rota)
            url = request.build_absolute_uri(reverse("accounts-rota-feed", args=[token]))
            messages.success(
                request,
                _(
                    "Calendar feed of %(rota)s (shown once; the old address no longer "
                    "works): %(url)s"
                )
                % {"rota": rota, "url": url},
            )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("on-call/", wrap(self.on_call_view), name="accounts_rota_oncall"),
            *super().get_urls(),
        ]

    def on_call_view(self, request):
        """Who is on call for each team now, the coming shifts of each rota and the latest
        hand-over notes."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        now = timezone.now()
        count = _shift_count(request.GET.get("shifts", ""))
        teams = [
            {
                "team": team,
                "shift": services.current_shift(team, now),
                "rotas": [_rota_timeline(rota, now, count) for rota in team.rotas.order_by("name")],
            }
            for team in Team.objects.order_by("name")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("On call"),
            "now": now,
            "teams": teams,
            "can_override": request.user.has_perm("accounts.add_rotaoverride"),
            "can_note": request.user.has_perm("accounts.add_handovernote"),
        }
        return TemplateResponse(request, "accounts/teams/on_call.html", context)


def _shift_count(given: str) -> int:
    """``?shifts=N``: how many coming shifts the page shows (8 unless asked, at most 60)."""
    if not given.isdigit():
        return TIMELINE_SHIFTS
    return min(max(int(given), 1), MAX_TIMELINE_SHIFTS)


def _rota_timeline(rota: Rota, now, count: int) -> dict:
    shifts = services.upcoming_shifts(rota, count, now)
    span = (shifts[-1].end - shifts[0].start).total_seconds() if shifts else 1
    bars = [
        {
            "shift": shift,
            "left": round((shift.start - shifts[0].start).total_seconds() * 100 / span, 2),
            "width": max(round((shift.end - shift.start).total_seconds() * 100 / span, 2), 0.5),
            "current": shift.start <= now < shift.end,
        }
        for shift in shifts
    ]
    return {"rota": rota, "bars": bars, "notes": services.latest_handover_notes(rota, 3)}


class RotaOverrideForm(forms.ModelForm):
    """Who is no manager may pick themselves only (the service says the same)."""

    request = None

    class Meta:
        model = RotaOverride
        fields = ["rota", "user", "start", "end", "reason"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        actor = self.request.user if self.request else None
        if not services.may_manage(actor) and user.pk != actor.pk:
            raise forms.ValidationError(_("You may add an override for yourself only."))
        return user


@admin.register(RotaOverride)
class RotaOverrideAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["rota", "user", "start", "end", "reason", "created_by"]
    list_filter = ["rota"]
    form = RotaOverrideForm
    autocomplete_fields = ["user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk, **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and request.user.pk in (obj.user_id, obj.created_by_id):
            return True
        return super().has_delete_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        return services.add_override(
            obj.rota, obj.user, obj.start, obj.end, reason=obj.reason, actor=request.user
        )


@admin.register(HandoverNote)
class HandoverNoteAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["created", "rota", "author", "__str__"]
    list_filter = ["rota"]
    fields = ["rota", "text"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, change):
        return services.write_handover_note(obj.rota, obj.text, actor=request.user)
