"""Console pages for the audit trail: browse and filter, a readable diff, verify, CSV export.

Read-only for everybody, superusers included: entries are only ever written by the recorder.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    DropdownFilter,
    FieldTextFilter,
    RangeDateTimeFilter,
)
from unfold.decorators import display

from erpkeeper.core import audit
from erpkeeper.core.models import AuditEntry
from erpkeeper.lib.admin import EvidenceAdminMixin

ACTION_COLORS = {"create": "success", "update": "info", "delete": "danger"}
SOURCE_COLORS = {"console": "primary", "api": "info", "cli": "warning", "job": "success"}


class _DistinctValuesFilter(DropdownFilter):
    """A dropdown of the values present in one column (object types, sources)."""

    field_name = ""

    def lookups(self, request, model_admin):
        values = (
            AuditEntry.objects.order_by(self.field_name)
            .values_list(self.field_name, flat=True)
            .distinct()[:500]
        )
        return [(value, value) for value in values if value]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field_name: self.value()})
        return queryset


class SourceFilter(_DistinctValuesFilter):
    title = _("source")
    parameter_name = field_name = "source"


class ObjectTypeFilter(_DistinctValuesFilter):
    title = _("object type")
    parameter_name = field_name = "object_type"


@admin.register(AuditEntry)
class AuditEntryAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "sequence",
        "time_display",
        "actor_display",
        "source_badge",
        "action_badge",
        "object_display",
        "request_id",
    ]
    list_display_links = ["sequence", "time_display"]
    list_filter = [
        ("action", ChoicesDropdownFilter),
        SourceFilter,
        ObjectTypeFilter,
        ("actor_name", FieldTextFilter),
        ("time", RangeDateTimeFilter),
    ]
    list_filter_submit = True
    search_fields = ["object_repr", "object_id", "actor_name", "request_id"]
    ordering = ["-sequence"]
    show_full_result_count = False  # counting a long trail on every page is slow
    actions = None
    list_before_template = "core/audit/list_tools.html"
    change_form_after_template = "core/audit/changes.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "sequence",
                    "time",
                    "actor_display",
                    "source_badge",
                    "action_badge",
                    "object_display",
                    "request_id",
                ]
            },
        ),
        (_("Hash chain"), {"fields": ["prev_hash", "hash"]}),
    ]
    readonly_fields = ["actor_display", "source_badge", "action_badge", "object_display"]

    # --- columns -----------------------------------------------------------------------------

    @display(description=_("Time"), ordering="time")
    def time_display(self, obj):
        # Without nowrap the narrow column broke the date and time into five lines.
        return format_html('<span class="whitespace-nowrap">{}</span>', when_text(obj.time))

    @display(description=_("Actor"), ordering="actor_name")
    def actor_display(self, obj):
        return obj.actor_name

    @display(description=_("Source"), ordering="source", label=SOURCE_COLORS)
    def source_badge(self, obj):
        return obj.source, obj.source or "-"

    @display(description=_("Action"), ordering="action", label=ACTION_COLORS)
    def action_badge(self, obj):
        return obj.action, obj.get_action_display()

    @display(description=_("Object"), ordering="object_type", header=True)
    def object_display(self, obj):
        return obj.object_repr, f"{obj.object_type} #{obj.object_id}"

    def changelist_view(self, request, extra_context=None):
        export_url = reverse("admin:core_auditentry_export")
        if request.GET:
            export_url += "?" + request.GET.urlencode()
        extra_context = {**(extra_context or {}), "audit_export_url": export_url}
        return super().changelist_view(request, extra_context)

    # --- detail: before and after side by side -------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        entry = self.get_object(request, object_id) if object_id else None
        if entry is not None:
            extra_context.update(
                changes=change_rows(entry),
                object_url=_object_url(entry),
                history_url=_history_url(entry),
            )
        return super().changeform_view(request, object_id, form_url, extra_context)

    # --- verify and export ---------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("verify/", wrap(self.verify_view), name="core_auditentry_verify"),
            path("export/", wrap(self.export_view), name="core_auditentry_export"),
            *super().get_urls(),
        ]

    def verify_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Verify the audit trail"),
            "result": audit.verify(),
            "checked_at": timezone.now(),
        }
        return TemplateResponse(request, "core/audit/verify.html", context)

    def export_view(self, request):
        """The entries of the list as filtered and searched, as CSV (streamed)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        entries = self.get_changelist_instance(request).get_queryset(request)
        response = StreamingHttpResponse(
            audit.csv_lines(entries), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response


def when_text(moment) -> str:
    """Date and time to the second, in the viewer's time zone and language."""
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i:s")


def change_rows(entry) -> list[dict]:
    """One row per field: label, before, after, and whether it changed."""
    before, after = entry.before or {}, entry.after or {}
    model = _model(entry.object_type)
    rows = []
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        rows.append(
            {
                "name": name,
                "label": _field_label(model, name),
                "before": _show(old) if name in before else "",
                "after": _show(new) if name in after else "",
                "changed": entry.action == "update" or old != new,
            }
        )
    return rows


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _show(value) -> str:
    if value is None:
        return "∅"
    if value == "":
        return str(_("(empty)"))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def _object_url(entry) -> str | None:
    if entry.action == "delete":
        return None
    app_label, _dot, model_name = entry.object_type.partition(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[entry.object_id])
    except NoReverseMatch:
        return None


def _history_url(entry) -> str:
    query = urlencode({"object_type": entry.object_type, "object_id__exact": entry.object_id})
    return f"{reverse('admin:core_auditentry_changelist')}?{query}"
