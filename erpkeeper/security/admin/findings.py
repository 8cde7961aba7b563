"""Risky accounts and security checks in the console: findings with severity and state badges
(accept with a reason and an expiry, verify now), and the check runs with their score and its
change since the previous run."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.lib.admin import (
    BAD_COLOR,
    OK_COLOR,
    EvidenceAdminMixin,
    back_to,
    badge,
    when_text,
)
from erpkeeper.lib.cli import validation_text
from erpkeeper.security import services
from erpkeeper.security.checks import catalogue
from erpkeeper.security.forms import AcceptDialogForm, TargetDialogForm
from erpkeeper.security.models import (
    Finding,
    FindingKind,
    FindingSeverity,
    FindingState,
    SecurityCheckRun,
    TrytonConfigFile,
)

SEVERITY_VARIANTS = {"low": "info", "medium": "warning", "high": "danger", "critical": "danger"}
STATE_VARIANTS = {
    FindingState.OPEN: "danger",
    FindingState.ACCEPTED: "info",
    FindingState.FIXED: "success",
}
RESULT_VARIANTS = {"pass": "success", "fail": "danger", "unknown": None}
RESULT_LABELS = {"pass": _("passed"), "fail": _("failed"), "unknown": _("unknown")}
CHECK_DIALOG = {
    "title": _("Run the security checks now?"),
    "description": _(
        "Read-only queries against the target's database, each stopped after 5 seconds, and "
        "the modes of its files; nothing is changed."
    ),
    "form_class": TargetDialogForm,
    "form_submit_text": _("Run checks"),
}
ACCEPT_DIALOG = {
    "title": _("Accept this finding?"),
    "description": _(
        "It stays listed as accepted until the date; a later snapshot or check run that no "
        "longer finds it marks it fixed."
    ),
    "form_class": AcceptDialogForm,
    "form_submit_text": _("Accept"),
}


def _open(object_id) -> bool:
    if object_id is None:
        return True
    return Finding.objects.filter(pk=object_id, state=FindingState.OPEN).exists()


@admin.register(Finding)
class FindingAdmin(ModelAdmin):
    list_display = [
        "severity_badge",
        "title_column",
        "subject",
        "target",
        "state_badge",
        "owner",
        "last_seen_column",
    ]
    list_display_links = ["title_column"]
    list_filter = ["target", "kind", "severity", "state"]
    list_select_related = ["target"]
    search_fields = ["subject", "check_id", "owner"]
    actions_list = ["run_checks_now"]
    actions_detail = ["accept", "verify"]
    fields = [
        "target",
        "severity_badge",
        "state_badge",
        "title_column",
        "subject",
        "detail",
        "rationale",
        "advice",
        "owner",
        "first_seen",
        "last_seen",
        "acceptance",
        "fixed_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only page: accepting and verifying are actions

    def has_run_checks_now_permission(self, request, object_id=None):
        return request.user.has_perm("security.add_securitycheckrun")

    def has_accept_permission(self, request, object_id=None):
        return request.user.has_perm("security.change_finding") and _open(object_id)

    def has_verify_permission(self, request, object_id=None):
        return request.user.has_perm("security.add_securitycheckrun") and request.user.has_perm(
            "security.add_accesssnapshot"
        )

    @display(description=_("Severity"), ordering="severity")
    def severity_badge(self, obj):
        return badge(SEVERITY_VARIANTS.get(obj.severity), obj.get_severity_display())

    @display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("Finding"), ordering="kind")
    def title_column(self, obj):
        check = catalogue().get(obj.check_id)
        if check is not None:
            return f"{obj.check_id}: {check.title}"
        return obj.get_kind_display()

    @display(description=_("Why it matters"))
    def rationale(self, obj):
        check = catalogue().get(obj.check_id)
        return check.rationale if check else "–"

    @display(description=_("How to fix it"))
    def advice(self, obj):
        check = catalogue().get(obj.check_id)
        if check is None:
            return "–"
        return format_html("{}<br><small>{}</small>", check.advice, check.reference or "")

    @display(description=_("Last seen"), ordering="last_seen")
    def last_seen_column(self, obj):
        return when_text(obj.last_seen)

    @display(description=_("Accepted"))
    def acceptance(self, obj):
        if obj.state != FindingState.ACCEPTED:
            return "–"
        text = gettext("%(reason)s (by %(who)s, until %(until)s)") % {
            "reason": obj.reason,
            "who": obj.accepted_by or "–",
            "until": obj.expires.isoformat() if obj.expires else "–",
        }
        return format_html("{}", text)

    @action(
        description=_("Run checks now"),
        icon="fact_check",
        permissions=["run_checks_now"],
        variant=ActionVariant.PRIMARY,
        dialog=CHECK_DIALOG,
    )
    def run_checks_now(self, request, form):
        return show_job(request, services.request_checks(form.cleaned_data["target"], request.user))

    @action(
        description=_("Accept"), icon="check_circle", permissions=["accept"], dialog=ACCEPT_DIALOG
    )
    def accept(self, request, form, object_id):
        finding = get_object_or_404(Finding, pk=object_id)
        try:
            services.accept_finding(
                finding,
                reason=form.cleaned_data["reason"],
                expires=form.cleaned_data["expires"],
                by=request.user.get_username(),
                owner=form.cleaned_data.get("owner", ""),
            )
            messages.success(request, gettext("Finding accepted."))
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        return back_to(request, reverse("admin:security_finding_change", args=[finding.pk]))

    @action(description=_("Verify now"), icon="published_with_changes", permissions=["verify"])
    def verify(self, request, object_id):
        """A finding is fixed only when a new reading no longer finds it: take that reading."""
        finding = get_object_or_404(Finding, pk=object_id)
        if finding.kind == FindingKind.CHECK:
            asked = services.request_checks(finding.target, request.user)
        else:
            asked = services.request_snapshot(finding.target, requested_by=request.user)
        return show_job(request, asked)


@admin.register(SecurityCheckRun)
class SecurityCheckRunAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "target_name",
        "started_column",
        "status_badge",
        "score_column",
        "passed",
        "failed",
        "duration_display",
    ]
    list_filter = ["status", "target_name"]
    search_fields = ["target_name"]
    actions_list = ["run_checks_now"]
    fields = [
        "target_name",
        "status_badge",
        "score_column",
        "started",
        "finished",
        "job_link",
        "error_display",
        "results_display",
    ]
    readonly_fields = fields

    def has_run_checks_now_permission(self, request, object_id=None):
        return request.user.has_perm("security.add_securitycheckrun")

    @display(description=_("Started"), ordering="started")
    def started_column(self, obj):
        return when_text(obj.started)

    @display(description=_("Score"), ordering="score")
    def score_column(self, obj):
        if obj.score is None:
            return "–"
        change = services.score_change(obj)
        if not change:
            return str(obj.score)
        arrow = "▲" if change > 0 else "▼"
        colour = OK_COLOR if change > 0 else BAD_COLOR
        return format_html(
            '{} <span style="color: {}">{}{}</span>', obj.score, colour, arrow, abs(change)
        )

    @display(description=_("Checks"))
    def results_display(self, obj):
        rows = services.describe_results(obj)
        if not rows:
            return "–"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td><code>{}</code> {}<br><small>{}</small></td>"
            "<td>{}<br><small>{}</small></td></tr>",
            (
                (
                    badge(
                        RESULT_VARIANTS.get(r["status"]),
                        RESULT_LABELS.get(r["status"], r["status"]),
                    ),
                    badge(SEVERITY_VARIANTS.get(r["severity"]), _severity_label(r["severity"])),
                    r["id"],
                    r["title"],
                    r["detail"],
                    r["advice"] if r["status"] == "fail" else "",
                    r["reference"],
                )
                for r in rows
            ),
        )
        return format_html('<table class="text-sm">{}</table>', body)

    @action(
        description=_("Run checks now"),
        icon="fact_check",
        permissions=["run_checks_now"],
        variant=ActionVariant.PRIMARY,
        dialog=CHECK_DIALOG,
    )
    def run_checks_now(self, request, form):
        return show_job(request, services.request_checks(form.cleaned_data["target"], request.user))


@admin.register(TrytonConfigFile)
class TrytonConfigFileAdmin(ModelAdmin):
    list_display = ["target", "path"]
    list_select_related = ["target"]
    search_fields = ["target__name", "path"]


def _severity_label(value: str) -> str:
    return FindingSeverity(value).label if value in FindingSeverity.values else value


def _result_label(value: str) -> str:
    return str(RESULT_LABELS.get(value, value))
