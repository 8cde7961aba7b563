"""Console pages of the performance advisor: findings with severity badges (accept, reopen),
query insight, index suggestions with their proof (a chart of the times before and after), check
runs and proofs."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.lib.admin import (
    EvidenceAdminMixin,
    admin_link,
    back_to,
    badge,
    navigate,
    when_text,
)
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.units import bytes_human
from erpkeeper.performance import services
from erpkeeper.performance.code_admin import CodeFolderAdmin, CodeReviewAdmin
from erpkeeper.performance.forms import AcceptDialogForm, AdviseDialogForm, TargetDialogForm
from erpkeeper.performance.models import (
    CheckRun,
    Finding,
    FindingState,
    IndexProof,
    IndexSuggestion,
    QueryStat,
    Severity,
    SuggestionState,
)

__all__ = ["CodeFolderAdmin", "CodeReviewAdmin"]  # registered in code_admin.py

SEVERITY_VARIANTS = {
    Severity.CRITICAL: "danger",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}
STATE_VARIANTS = {
    FindingState.OPEN: "danger",
    FindingState.ACCEPTED: "info",
    FindingState.FIXED: "success",
}
SUGGESTION_VARIANTS = {
    SuggestionState.OPEN: "info",
    SuggestionState.PROVEN: "success",
    SuggestionState.NOT_HELPFUL: "warning",
}

CHECK_DIALOG = {
    "title": _("Run the performance checks now?"),
    "description": _(
        "Read-only queries against the target's database, each stopped after 5 seconds; "
        "nothing is changed."
    ),
    "form_class": TargetDialogForm,
    "form_submit_text": _("Run checks"),
}
ACCEPT_DIALOG = {
    "title": _("Accept this finding?"),
    "description": _(
        "It stays listed as accepted; a later run that no longer sees it marks it fixed."
    ),
    "form_class": AcceptDialogForm,
    "form_submit_text": _("Accept"),
}
ADVISE_DIALOG = {
    "title": _("Advise on a query"),
    "description": _(
        "The query is parsed and the target's tables are read (no query is run "
        "on production); suggestions appear in this list."
    ),
    "form_class": AdviseDialogForm,
    "form_submit_text": _("Advise"),
}
PROVE_DIALOG = {
    "title": _("Prove this index on a copy?"),
    "description": _(
        "The newest good backup is restored into a scratch database; the query is timed "
        "there before and after creating the index, then the copy is dropped. Production is "
        "not touched."
    ),
    "form_class": None,
    "form_submit_text": _("Prove"),
}


@admin.register(Finding)
class FindingAdmin(ModelAdmin):
    list_display = [
        "severity_badge",
        "title_column",
        "subject",
        "target",
        "state_badge",
        "last_seen_column",
    ]
    list_display_links = ["title_column"]
    list_filter = ["target", "severity", "state", "check_id"]
    list_select_related = ["target"]
    search_fields = ["check_id", "subject"]
    actions_list = ["run_checks_now"]
    actions_detail = ["accept", "reopen"]
    fields = [
        "target",
        "severity_badge",
        "state_badge",
        "title_column",
        "explanation",
        "advice",
        "numbers_display",
        "first_seen",
        "last_seen",
        "acceptance",
        "fixed_display",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only page: accept and reopen are actions

    def has_run_checks_permission(self, request, object_id=None):
        return request.user.has_perm("performance.add_checkrun")

    def has_accept_permission(self, request, object_id=None):
        return request.user.has_perm("performance.change_finding") and _in_state(
            object_id, (FindingState.OPEN,)
        )

    def has_reopen_permission(self, request, object_id=None):
        return request.user.has_perm("performance.change_finding") and _in_state(
            object_id, (FindingState.ACCEPTED,)
        )

    @display(description=_("Severity"), ordering="severity")
    def severity_badge(self, obj):
        return badge(SEVERITY_VARIANTS.get(obj.severity), obj.get_severity_display())

    @display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return badge(STATE_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("Finding"), ordering="check_id")
    def title_column(self, obj):
        return services.finding_title(obj)

    @display(description=_("Last seen"), ordering="last_seen")
    def last_seen_column(self, obj):
        return when_text(obj.last_seen)

    @display(description=_("What it means"))
    def explanation(self, obj):
        return services.finding_explanation(obj)

    @display(description=_("How to fix it"))
    def advice(self, obj):
        return services.finding_advice(obj)

    @display(description=_("Numbers"))
    def numbers_display(self, obj):
        return format_html(
            '<pre class="text-xs">{}</pre>', json.dumps(obj.numbers, indent=2, ensure_ascii=False)
        )

    @display(description=_("Accepted"))
    def acceptance(self, obj):
        if obj.state != FindingState.ACCEPTED:
            return "–"
        until = when_text(obj.accepted_until) if obj.accepted_until else gettext("no expiry")
        return format_html("{} ({}: {})", obj.accepted_reason, gettext("until"), until)

    @display(description=_("Verified fixed"))
    def fixed_display(self, obj):
        if obj.fixed_run_id is None:
            return "–"
        return format_html(
            "{} · {}",
            when_text(obj.fixed_at),
            admin_link(
                "admin:performance_checkrun_change", obj.fixed_run_id, f"#{obj.fixed_run_id}"
            ),
        )

    @action(
        description=_("Run checks now"),
        icon="fact_check",
        permissions=["run_checks"],
        variant=ActionVariant.PRIMARY,
        dialog=CHECK_DIALOG,
    )
    def run_checks_now(self, request, form):
        return show_job(request, services.request_check(form.cleaned_data["target"], request.user))

    @action(
        description=_("Accept"), icon="check_circle", permissions=["accept"], dialog=ACCEPT_DIALOG
    )
    def accept(self, request, form, object_id):
        finding = get_object_or_404(Finding, pk=object_id)
        until = form.cleaned_data.get("until")
        if until is not None and timezone.is_naive(until):
            until = timezone.make_aware(until)
        try:
            services.accept_finding(
                finding, reason=form.cleaned_data["reason"], until=until, user=request.user
            )
            messages.success(request, gettext("Finding accepted."))
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        return back_to(request, reverse("admin:performance_finding_change", args=[finding.pk]))

    @action(description=_("Open again"), icon="undo", permissions=["reopen"])
    def reopen(self, request, object_id):
        finding = get_object_or_404(Finding, pk=object_id)
        try:
            services.reopen_finding(finding)
        except ValidationError as exc:
            messages.error(request, validation_text(exc))
        return back_to(request, reverse("admin:performance_finding_change", args=[finding.pk]))


def _in_state(object_id, states) -> bool:
    if object_id is None:
        return True
    return Finding.objects.filter(pk=object_id, state__in=states).exists()


@admin.register(QueryStat)
class QueryStatAdmin(EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "short_text",
        "target",
        "models_column",
        "calls",
        "mean_column",
        "total_column",
        "source",
        "run",
    ]
    list_filter = ["target", "source"]
    list_select_related = ["target", "run"]
    search_fields = ["text", "fingerprint"]
    fields = [
        "target",
        "run",
        "fingerprint",
        "text",
        "source",
        "calls",
        "total_ms",
        "mean_ms",
        "rows",
        "cache_hit_ratio",
        "models_column",
        "suggestions_column",
    ]
    readonly_fields = fields

    @display(description=_("Query"))
    def short_text(self, obj):
        return format_html('<code class="text-xs">{}</code>', obj.text[:120])

    @display(description=_("ERP models"))
    def models_column(self, obj):
        return (
            ", ".join(
                f"{m['model']} ({m['name']})" if m.get("model") else m["table"]
                for m in obj.models_used
            )
            or "–"
        )

    @display(description=_("Mean"), ordering="mean_ms")
    def mean_column(self, obj):
        return f"{obj.mean_ms:.1f} ms"

    @display(description=_("Total"), ordering="total_ms")
    def total_column(self, obj):
        return f"{obj.total_ms:.0f} ms"

    @display(description=_("Index suggestions"))
    def suggestions_column(self, obj):
        found = IndexSuggestion.objects.filter(target=obj.target, fingerprint=obj.fingerprint)
        return (
            format_html_join(
                ", ",
                "{}",
                (
                    (admin_link("admin:performance_indexsuggestion_change", s.pk, str(s)),)
                    for s in found
                ),
            )
            or "–"
        )


@admin.register(IndexSuggestion)
class IndexSuggestionAdmin(ModelAdmin):
    list_display = ["__str__", "target", "model", "state_badge", "speedup_column", "updated"]
    list_filter = ["target", "state"]
    list_select_related = ["target"]
    search_fields = ["table", "query_text"]
    actions_list = ["advise"]
    actions_detail = ["prove"]
    fields = [
        "target",
        "table",
        "columns",
        "model",
        "ddl_display",
        "query_text",
        "reason",
        "state_badge",
    ]
    readonly_fields = fields
    change_form_after_template = "performance/admin/proof_chart.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_advise_permission(self, request, object_id=None):
        return request.user.has_perm("performance.add_indexsuggestion")

    def has_prove_permission(self, request, object_id=None):
        return request.user.has_perm("performance.change_indexsuggestion")

    @display(description=_("State"), ordering="state")
    def state_badge(self, obj):
        return badge(SUGGESTION_VARIANTS.get(obj.state), obj.get_state_display())

    @display(description=_("Speed-up"))
    def speedup_column(self, obj):
        proof = _latest_proof(obj)
        return f"{proof.speedup:g}×" if proof and proof.speedup else "–"

    @display(description=_("DDL for the DBA (never applied by ERPKeeper)"))
    def ddl_display(self, obj):
        return format_html('<code class="text-sm">{};</code>', obj.ddl)

    @action(
        description=_("Advise on a query"),
        icon="bolt",
        permissions=["advise"],
        variant=ActionVariant.PRIMARY,
        dialog=ADVISE_DIALOG,
    )
    def advise(self, request, form):
        try:
            found = services.advise_query(form.cleaned_data["target"], form.cleaned_data["sql"])
        except services.AdviceRefused as exc:
            messages.error(request, gettext("No advice: %(reason)s") % {"reason": exc})
        else:
            if found:
                messages.success(
                    request, gettext("%(count)d index suggestions.") % {"count": len(found)}
                )
            else:
                messages.info(
                    request,
                    gettext(
                        "No index would help this query (small tables, or "
                        "an index already serves it)."
                    ),
                )
        return navigate(request, reverse("admin:performance_indexsuggestion_changelist"))

    @action(
        description=_("Prove on a copy"),
        icon="science",
        permissions=["prove"],
        variant=ActionVariant.PRIMARY,
        dialog=PROVE_DIALOG,
    )
    def prove(self, request, form, object_id):
        suggestion = get_object_or_404(IndexSuggestion, pk=object_id)
        return show_job(request, services.request_proof(suggestion, request.user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        suggestion = self.get_object(request, object_id)
        proof = _latest_proof(suggestion) if suggestion else None
        extra = {"proof": proof, "proof_chart": _chart_data(proof)}
        if proof is not None:
            extra["proof_url"] = reverse("admin:performance_indexproof_change", args=[proof.pk])
            extra["index_size"] = bytes_human(proof.index_bytes) if proof.index_bytes else "–"
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


def _latest_proof(suggestion):
    return suggestion.proofs.order_by("-started").first()


def _chart_data(proof) -> dict | None:
    if proof is None or not proof.before_ms:
        return None
    runs = max(len(proof.before_ms), len(proof.after_ms))
    return {
        "labels": [str(n + 1) for n in range(runs)],
        "before": proof.before_ms,
        "after": proof.after_ms,
        "before_label": gettext("Before the index (ms)"),
        "after_label": gettext("With the index (ms)"),
    }


@admin.register(CheckRun)
class CheckRunAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "target_name",
        "engine",
        "started",
        "status_badge",
        "duration_display",
        "findings_count",
        "queries_count",
    ]
    list_filter = ["target", "status", "engine"]
    fields = [
        "target_name",
        "engine",
        "status_badge",
        "started",
        "finished",
        "duration_display",
        "job_link",
        "error_display",
        "findings_count",
        "queries_count",
        "checks_display",
        "notes_display",
    ]
    readonly_fields = fields

    @display(description=_("Checks"))
    def checks_display(self, obj):
        return format_html_join(
            "",
            "<div>{} · {} s {}</div>",
            ((c["check"], c["seconds"], c["error"]) for c in obj.checks),
        )

    @display(description=_("Notes"))
    def notes_display(self, obj):
        return (
            format_html_join(
                "",
                "<div>{}</div>",
                (
                    (gettext(n["msgid"]) % n["params"] if n["params"] else gettext(n["msgid"]),)
                    for n in obj.notes
                ),
            )
            or "–"
        )


@admin.register(IndexProof)
class IndexProofAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "suggestion",
        "target_name",
        "started",
        "status_badge",
        "before_median_ms",
        "after_median_ms",
        "speedup",
        "helps",
    ]
    list_filter = ["status", "helps"]
    fields = [
        "suggestion",
        "target_name",
        "backup",
        "status_badge",
        "started",
        "duration_display",
        "job_link",
        "error_display",
        "before_ms",
        "after_ms",
        "before_median_ms",
        "after_median_ms",
        "speedup",
        "helps",
        "cost_before",
        "cost_after",
        "index_bytes",
        "query_run",
        "plan_before",
        "plan_after",
    ]
    readonly_fields = fields
