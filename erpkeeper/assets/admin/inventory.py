"""Assets, sites and racks."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from erpkeeper.assets import services
from erpkeeper.assets.models import (
    Asset,
    AssetStatus,
    Disk,
    MaintenanceEntry,
    NetworkInterface,
    Rack,
    Site,
    SoftwareInstall,
)
from erpkeeper.lib.admin import badge

STATUS_VARIANTS = {
    AssetStatus.IN_USE: "success",
    AssetStatus.SPARE: "info",
    AssetStatus.RETIRED: None,
    AssetStatus.BROKEN: "danger",
}


def health_badge(score) -> str:
    if score is None:
        return "—"
    variant = (
        "success"
        if score >= 80
        else "warning"
        if score >= services.REPLACEMENT_THRESHOLD
        else "danger"
    )
    return badge(variant, str(score))


class ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DiskInline(ReadOnlyInline):
    model = Disk
    fields = [
        "device",
        "model",
        "serial",
        "size_bytes",
        "smart_health",
        "reallocated_sectors",
        "temperature_c",
        "power_on_hours",
        "observed_at",
    ]
    readonly_fields = fields


class InterfaceInline(ReadOnlyInline):
    model = NetworkInterface
    fields = ["name", "mac", "addresses", "speed_mbps", "is_up"]
    readonly_fields = fields


class SoftwareInline(TabularInline):
    model = SoftwareInstall
    extra = 0
    fields = ["product", "version", "source", "seen_at"]
    readonly_fields = ["source", "seen_at"]


class MaintenanceInline(TabularInline):
    model = MaintenanceEntry
    extra = 0
    fields = ["date", "kind", "note", "cost"]


@admin.register(Asset)
class AssetAdmin(ModelAdmin):
    list_display = [
        "name",
        "kind",
        "status_badge",
        "site",
        "vendor",
        "model",
        "serial_number",
        "warranty_end",
        "health",
    ]
    list_filter = ["kind", "status", "site", "vendor"]
    search_fields = ["name", "serial_number", "vendor", "model"]
    autocomplete_fields = ["targets"]
    readonly_fields = ["health", "health_details", "last_inventory_at", "created"]
    inlines = [DiskInline, InterfaceInline, SoftwareInline, MaintenanceInline]
    list_before_template = "assets/admin/asset_tools.html"
    actions = ["refresh_health"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "status", "site", "rack", "targets", "host"]}),
        (
            _("Hardware"),
            {"fields": ["vendor", "model", "serial_number", "cpu", "ram_mb", "os"]},
        ),
        (
            _("Purchase and life"),
            {
                "fields": [
                    "purchase_date",
                    "supplier",
                    "cost",
                    "warranty_end",
                    "end_of_life",
                    "expected_life_years",
                ]
            },
        ),
        (_("Health"), {"fields": ["health", "health_details", "last_inventory_at", "notes"]}),
    ]

    @display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return badge(STATUS_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("health"), ordering="health_score")
    def health(self, obj):
        return health_badge(obj.health_score)

    @display(description=_("why"))
    def health_details(self, obj):
        if not obj.health_reasons:
            return "—"
        return format_html_join(
            "",
            "<div>−{} · {}</div>",
            ((r["points"], services.reason_text(r)) for r in obj.health_reasons),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.refresh_health(form.instance)

    @admin.action(description=_("Recompute the health score"), permissions=["change"])
    def refresh_health(self, request, queryset):
        for asset in queryset:
            services.refresh_health(asset)
        self.message_user(request, _("Health scores recomputed."), messages.SUCCESS)


class RackInline(TabularInline):
    model = Rack
    extra = 0
    fields = ["name", "units"]


@admin.register(Site)
class SiteAdmin(ModelAdmin):
    list_display = ["name", "address"]
    search_fields = ["name"]
    inlines = [RackInline]


@admin.register(Rack)
class RackAdmin(ModelAdmin):
    list_display = ["name", "site", "units"]
    list_filter = ["site"]
    search_fields = ["name", "site__name"]
