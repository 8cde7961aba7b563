"""Licences (the key only administrators set, never shown), inspections and their templates,
and the replacement plan with its budget chart."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.assets import services
from erpkeeper.assets.models import (
    Inspection,
    InspectionResult,
    InspectionState,
    InspectionTemplate,
    MaintenanceEntry,
    PlanState,
    ReplacementPlan,
    SoftwareLicence,
)
from erpkeeper.lib.admin import badge, mark

STATE_VARIANTS = {
    InspectionState.DUE: "info",
    InspectionState.PASSED: "success",
    InspectionState.FAILED: "danger",
}
PLAN_VARIANTS = {
    PlanState.PROPOSED: "info",
    PlanState.APPROVED: "warning",
    PlanState.ORDERED: "warning",
    PlanState.DONE: "success",
    PlanState.CANCELLED: None,
}


class LicenceForm(forms.ModelForm):
    new_key = forms.CharField(
        label=_("new licence key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the key."),
    )

    class Meta:
        model = SoftwareLicence
        fields = ["product", "vendor", "seats", "expiry", "hosts", "notes"]


@admin.register(SoftwareLicence)
class SoftwareLicenceAdmin(ModelAdmin):
    form = LicenceForm
    list_display = ["product", "vendor", "seats", "used", "expiry", "key_set"]
    search_fields = ["product", "vendor"]
    autocomplete_fields = ["hosts"]
    readonly_fields = ["key_set"]

    def get_fields(self, request, obj=None):
        fields = ["product", "vendor", "seats", "expiry", "hosts", "notes", "key_set"]
        if request.user.has_perm(services.KEY_PERMISSION):
            fields.append("new_key")
        return fields

    @display(description=_("hosts"))
    def used(self, obj):
        return obj.hosts.count()

    @display(description=_("key set"), boolean=True)
    def key_set(self, obj):
        return obj.has_key

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        key = form.cleaned_data.get("new_key")
        if key:
            services.set_licence_key(form.instance, key, actor=request.user)


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(ModelAdmin):
    list_display = ["name", "asset_kind", "frequency_days"]
    search_fields = ["name"]


class ResultInline(TabularInline):
    model = InspectionResult
    extra = 0
    can_delete = False
    fields = ["item", "outcome", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=services.overdue().values("pk"))
        return queryset


@admin.register(Inspection)
class InspectionAdmin(ModelAdmin):
    list_display = ["asset", "template", "due_date", "state_badge", "overdue_mark", "record"]
    list_filter = [OverdueFilter, "state", "template", "due_date"]
    search_fields = ["asset__name"]
    autocomplete_fields = ["asset"]
    inlines = [ResultInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["state", "done_at", "inspector"]
        return ["asset", "template", "state", "done_at", "inspector", "record"]

    def get_fields(self, request, obj=None):
        fields = ["asset", "template", "due_date", "state", "done_at", "inspector", "note"]
        return fields + ["record"] if obj is not None else fields

    @display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("overdue"))
    def overdue_mark(self, obj):
        return mark(False, str(_("Overdue"))) if obj.overdue else ""

    @display(description=_("results"))
    def record(self, obj):
        if obj.pk is None or obj.state != InspectionState.DUE:
            return "—"
        return format_html(
            '<a class="text-primary-600" href="{}">{}</a>',
            reverse("assets-inspection-record", args=[obj.pk]),
            _("Enter the results"),
        )


@admin.register(MaintenanceEntry)
class MaintenanceEntryAdmin(ModelAdmin):
    list_display = ["asset", "date", "kind", "cost"]
    list_filter = ["kind", "date"]
    search_fields = ["asset__name", "note"]
    autocomplete_fields = ["asset"]


@admin.register(ReplacementPlan)
class ReplacementPlanAdmin(ModelAdmin):
    list_display = ["asset", "quarter", "estimated_cost", "state_badge", "reason"]
    list_filter = ["state", "quarter"]
    search_fields = ["asset__name"]
    autocomplete_fields = ["asset"]
    list_before_template = "assets/admin/budget_chart.html"

    @display(description=_("state"), ordering="state")
    def state_badge(self, obj):
        return badge(PLAN_VARIANTS.get(obj.state), obj.get_state_display())

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "budget_chart": budget_chart()}
        return super().changelist_view(request, extra_context)


def budget_chart() -> dict:
    rows = services.budget_by_quarter()
    return {
        "labels": [r["quarter"] for r in rows],
        "planned": [float(r["planned"]) for r in rows],
        "done": [float(r["done"]) for r in rows],
        "planned_label": str(_("Planned")),
        "done_label": str(_("Done")),
        "rows": [{**r, "planned": str(r["planned"]), "done": str(r["done"])} for r in rows],
    }
