"""Console (model admins) of governance.privacy (imported by erpkeeper.governance.admin):
personal-data scans with their findings grouped by table, the findings list, retention rules.
The data map is a page of its own (views.py)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant
from unfold.forms import BaseDialogForm
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminSelectWidget

from erpkeeper.core.jobs.admin import show_requested_job
from erpkeeper.core.models import Job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.governance.privacy import services
from erpkeeper.governance.privacy.detectors import Category, Confidence
from erpkeeper.governance.privacy.models import (
    DEFAULT_SAMPLE_SIZE,
    MAX_SAMPLE_SIZE,
    ColumnFinding,
    PrivacyScan,
    RetentionRule,
)
from erpkeeper.lib.admin import EvidenceAdminMixin, ServiceSaveMixin, badge, navigate
from erpkeeper.lib.cli import validation_text
from erpkeeper.targets.models import Target

CONFIDENCE_VARIANTS = {
    Confidence.HIGH: "danger",
    Confidence.MEDIUM: "warning",
    Confidence.LOW: "info",
}
CATEGORY_VARIANTS = {
    Category.RESIDENT_ID: "danger",
    Category.BANK_CARD: "danger",
    Category.PASSPORT: "danger",
    Category.MOBILE: "warning",
    Category.LANDLINE: "warning",
    Category.EMAIL: "warning",
    Category.ADDRESS: "warning",
    Category.USCC: "info",
    Category.PERSON_NAME: "info",
}


def category_badge(category: str) -> str:
    return badge(CATEGORY_VARIANTS.get(category), Category(category).label)


def confidence_badge(confidence: str) -> str:
    return badge(CONFIDENCE_VARIANTS.get(confidence), Confidence(confidence).label)


class ScanDialogForm(BaseDialogForm):
    target = forms.ModelChoiceField(
        label=_("Target"), queryset=Target.objects.all(), widget=UnfoldAdminSelectWidget
    )
    sample_size = forms.IntegerField(
        label=_("Values sampled per column"),
        initial=DEFAULT_SAMPLE_SIZE,
        min_value=1,
        max_value=MAX_SAMPLE_SIZE,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    full = forms.BooleanField(
        label=_("Full scan (read every row; slower, exact counts)"), required=False
    )

    def __init__(self, request, object_id=None, *args, **kwargs):
        super().__init__(request, object_id, *args, **kwargs)
        self.fields["target"].initial = request.GET.get("target")


SCAN_DIALOG = {
    "title": _("Scan the ERP database for personal data?"),
    "description": _(
        "The ERP's text columns are read through its adapter, read-only; only counts per "
        "column are kept, never a value."
    ),
    "form_class": ScanDialogForm,
    "form_submit_text": _("Scan now"),
}


@admin.register(PrivacyScan)
class PrivacyScanAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "target_name",
        "started",
        "status_badge",
        "mode_display",
        "tables_scanned",
        "columns_scanned",
        "findings_count",
        "duration_display",
    ]
    list_filter = ["target", "status", "full"]
    actions_list = ["scan_now"]
    list_before_template = "governance/privacy/live_scans.html"
    change_form_after_template = "governance/privacy/scan_findings.html"
    fields = [
        "target_name",
        "status_badge",
        "mode_display",
        "started",
        "duration_display",
        "job_link",
        "error_display",
        "tables_scanned",
        "columns_scanned",
        "values_read",
        "bytes_read",
        "findings_count",
    ]
    readonly_fields = fields

    def has_scan_now_permission(self, request, object_id=None):
        return request.user.has_perm("governance.add_privacyscan")

    @display(description=_("Mode"))
    def mode_display(self, obj):
        if obj.full:
            return _("full scan")
        return _("sampled, %(size)s per column") % {"size": obj.sample_size}

    @action(
        description=_("Scan now"),
        icon="policy",
        permissions=["scan_now"],
        variant=ActionVariant.PRIMARY,
        dialog=SCAN_DIALOG,
    )
    def scan_now(self, request, form):
        data = form.cleaned_data
        try:
            asked = services.request_scan(
                data["target"], request.user, sample_size=data["sample_size"], full=data["full"]
            )
        except ValidationError as exc:
            self.message_user(request, validation_text(exc), "error")
            return navigate(request, reverse("admin:governance_privacyscan_changelist"))
        return show_requested_job(request, asked)

    def changelist_view(self, request, extra_context=None):
        active = Job.objects.filter(
            kind=services.SCAN_KIND, status__in=(Job.Status.QUEUED, Job.Status.RUNNING)
        ).select_related("target")
        extra = {"privacy_live_jobs": list(active)}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        scan = self.get_object(request, object_id)
        extra = {}
        if scan is not None:
            groups = services.findings_by_table(scan)
            for group in groups:
                group["rows"] = [
                    {
                        "finding": f,
                        "category": category_badge(f.category),
                        "confidence": confidence_badge(f.confidence),
                    }
                    for f in group["findings"]
                ]
            extra = {"privacy_scan": scan, "privacy_groups": groups}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


@admin.register(ColumnFinding)
class ColumnFindingAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "scan",
        "table",
        "column",
        "model",
        "field",
        "category_display",
        "matched",
        "sampled",
        "rate_display",
        "rows_affected",
        "rows_past_retention",
        "confidence_display",
    ]
    list_filter = ["category", "confidence", "scan__target"]
    list_select_related = ["scan"]
    search_fields = ["table", "column", "model", "field"]
    readonly_fields = [
        "scan",
        "table",
        "column",
        "model",
        "field",
        "category",
        "matched",
        "sampled",
        "non_empty",
        "match_rate",
        "rows_affected",
        "rows_past_retention",
        "hinted",
        "labelled",
        "confidence",
    ]

    @display(description=_("Category"), ordering="category")
    def category_display(self, obj):
        return category_badge(obj.category)

    @display(description=_("Confidence"), ordering="confidence")
    def confidence_display(self, obj):
        return confidence_badge(obj.confidence)

    @display(description=_("Match rate"), ordering="match_rate")
    def rate_display(self, obj):
        return f"{obj.match_rate:.0%}"


@admin.register(RetentionRule)
class RetentionRuleAdmin(ServiceSaveMixin, ModelAdmin):
    list_display = ["category_display", "model", "days", "date_column", "note"]
    list_filter = ["category"]
    fields = ["category", "model", "days", "date_column", "note"]

    @display(description=_("Category"), ordering="category")
    def category_display(self, obj):
        return category_badge(obj.category)

    def save_through_service(self, request, obj, form, change):
        return services.save_retention_rule(obj)

    def delete_model(self, request, obj):
        services.delete_retention_rule(obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            services.delete_retention_rule(rule)
