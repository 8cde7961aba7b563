"""Access snapshots in the console: the list, one snapshot's page (counts, SoD conflicts with
the path of each side, administrators, conflicting roles and groups, the users x risks matrix,
changes since the previous snapshot) and the simulation of a grant."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

from erpkeeper.lib.admin import back_to, badge, navigate, run_badge, when_text
from erpkeeper.lib.exports import XLSX_CONTENT_TYPE
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable
from erpkeeper.security import services
from erpkeeper.security.models import AccessSnapshot
from erpkeeper.security.services.conflict_export import (
    FORMATS,
    conflicts_filename,
    export_conflicts,
    trend_chart,
)
from erpkeeper.security.services.via import SEVERITY_LABELS, via_steps
from erpkeeper.security.sod.rules import SEVERITIES, text_in
from erpkeeper.targets.models import Target

CONTENT_TYPES = {"pdf": PDF_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}
SEVERITY_VARIANTS = {"low": "info", "medium": "warning", "high": "danger", "critical": "danger"}


class SimulateForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Target.objects.all(), label=_("Target"), widget=UnfoldAdminSelectWidget
    )
    user = forms.CharField(label=_("ERP login"), max_length=150, widget=UnfoldAdminTextInputWidget)
    add_group = forms.CharField(
        label=_("Add group"),
        required=False,
        help_text=_("XML id or name of a group"),
        widget=UnfoldAdminTextInputWidget,
    )
    add_role = forms.CharField(
        label=_("Add role"), required=False, widget=UnfoldAdminTextInputWidget
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("add_group")) == bool(data.get("add_role")):
            raise forms.ValidationError(_("Name either a group or a role to add."))
        return data


@admin.register(AccessSnapshot)
class AccessSnapshotAdmin(ModelAdmin):
    list_display = [
        "target_name",
        "taken",
        "status_badge",
        "users",
        "administrators",
        "conflicts",
        "critical_conflicts",
        "changes",
        "unchanged",
    ]
    list_filter = ["status", "target_name"]
    search_fields = ["target_name"]
    list_filter_submit = True
    change_form_template = "security/admin/snapshot.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("security.delete_accesssnapshot")

    @display(description=_("taken"), ordering="started")
    def taken(self, obj):
        return when_text(obj.started)

    @display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return run_badge(obj.status, obj.get_status_display())

    def get_urls(self):
        extra = [
            path(
                "simulate/",
                self.admin_site.admin_view(self.simulate_view),
                name="security_accesssnapshot_simulate",
            ),
            path(
                "<int:pk>/conflicts.<str:fmt>",
                self.admin_site.admin_view(self.export_view),
                name="security_accesssnapshot_export",
            ),
            path(
                "take/<int:target_id>/",
                self.admin_site.admin_view(self.take_view),
                name="security_accesssnapshot_take",
            ),
        ]
        return extra + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        snapshot = get_object_or_404(AccessSnapshot, pk=object_id)
        if not self.has_view_permission(request, snapshot):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(snapshot),
            "snapshot": snapshot,
            **snapshot_context(snapshot, request.LANGUAGE_CODE),
        }
        return TemplateResponse(request, "security/admin/snapshot.html", context)

    def export_view(self, request, pk, fmt):
        snapshot = get_object_or_404(AccessSnapshot, pk=pk)
        if not self.has_view_permission(request, snapshot) or fmt not in FORMATS:
            raise PermissionDenied
        try:
            body = export_conflicts(snapshot, fmt, request.LANGUAGE_CODE)
        except (services.NoRuleSet, PdfUnavailable) as exc:
            messages.error(request, str(exc))
            return back_to(request, reverse("admin:security_accesssnapshot_change", args=[pk]))
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        filename = conflicts_filename(snapshot, fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def take_view(self, request, target_id):
        if request.method != "POST" or not request.user.has_perm("security.add_accesssnapshot"):
            raise PermissionDenied
        target = get_object_or_404(Target, pk=target_id)
        asked = services.request_snapshot(target, requested_by=request.user)
        messages.info(
            request,
            gettext("Access snapshot of %(target)s queued as job %(job)s.")
            % {"target": target.name, "job": asked.job.pk},
        )
        return back_to(request, reverse("admin:security_accesssnapshot_changelist"))

    def simulate_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = SimulateForm(request.POST or None)
        found, error = None, ""
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                found = services.simulate_grant(
                    data["target"],
                    data["user"],
                    add_group=data["add_group"],
                    add_role=data["add_role"],
                )
                for conflict in found["introduced"]:
                    decorate(conflict)
            except (services.SnapshotMissing, services.UnknownName, services.NoRuleSet) as exc:
                error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("What would a grant introduce?"),
            "form": form,
            "found": found,
            "error": error,
        }
        return TemplateResponse(request, "security/admin/simulate.html", context)


def decorate(conflict: dict) -> dict:
    severity = conflict["severity"]
    conflict["badge"] = badge(
        SEVERITY_VARIANTS.get(severity), SEVERITY_LABELS.get(severity, severity)
    )
    for side in conflict["sides"]:
        for grant in side["grants"]:
            grant["steps"] = via_steps(grant["via"])
    return conflict


def snapshot_context(snapshot: AccessSnapshot, language: str) -> dict:
    if snapshot.document_id is None:
        return {"failed": True}
    try:
        report = services.conflicts_report(snapshot)
    except services.NoRuleSet as exc:
        return {"report_error": str(exc)}
    for conflict in report["conflicts"]:
        decorate(conflict)
    for entity in report["roles"] + report["groups"]:
        for conflict in entity["conflicts"]:
            decorate(conflict)
    risks = report["risks"]
    for risk in risks:
        risk["label"] = text_in(risk["name"], language)
        risk["why"] = text_in(risk["rationale"], language)
    matrix = [
        {"login": login, "cells": [row.get(r["id"], "") for r in risks]}
        for login, row in sorted(report["matrix"].items())
    ]
    previous = services.analysis.previous_snapshot(snapshot)
    changes = services.diff_snapshots(previous, snapshot) if previous else None
    if changes:
        for entry in changes["users"] + changes["groups"]:
            for change in entry["changes"]:
                change["text"] = services.change_text(change)
    return {
        "report": report,
        "risks": risks,
        "matrix": matrix,
        "severities": SEVERITIES,
        "severity_counts": [
            (SEVERITY_LABELS.get(name, name), count)
            for name, count in report["by_severity"].items()
            if count
        ],
        "changes": changes,
        "previous": previous,
        "last_logins": _last_logins(snapshot),
        "simulate_url": reverse("admin:security_accesssnapshot_simulate"),
        "export_urls": {
            fmt: reverse("admin:security_accesssnapshot_export", args=[snapshot.pk, fmt])
            for fmt in FORMATS
        },
        "trend": trend_chart(snapshot),
    }


def _last_logins(snapshot) -> dict:
    return services.last_logins(snapshot.target) if snapshot.target else {}


__all__ = ["AccessSnapshotAdmin", "navigate"]
