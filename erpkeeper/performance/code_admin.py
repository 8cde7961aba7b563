"""Console pages of the code health review: the module folders each target names, and the
reviews with their modules, worst functions, notes, the change since the previous review and a
chart of the target's score over time."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action, display
from unfold.enums import ActionVariant

from erpkeeper.core.jobs.admin import show_requested_job as show_job
from erpkeeper.core.runs_admin import RunAdminMixin
from erpkeeper.lib.admin import EvidenceAdminMixin, badge, navigate
from erpkeeper.lib.cli import validation_text
from erpkeeper.performance import services
from erpkeeper.performance.forms import TargetDialogForm
from erpkeeper.performance.models import CodeFolder, CodeReview

REVIEW_DIALOG = {
    "title": _("Review the custom modules' code now?"),
    "description": _(
        "radon, vulture, ruff, symilar and the Tryton checks read the Python files of every "
        "module under the target's module folders; nothing is changed."
    ),
    "form_class": TargetDialogForm,
    "form_submit_text": _("Review now"),
}
# What each count means, in the order the review page lists them.
COUNT_LABELS = {
    "complex_functions": _("Complex functions (complexity over 10)"),
    "dead_code": _("Dead code (vulture)"),
    "lint": _("Lint issues (ruff)"),
    "duplicate_lines": _("Repeated lines (symilar)"),
    "large_functions": _("Functions over 80 lines"),
    "large_files": _("Files over 1,000 lines"),
    "n_plus_one": _("Queries or saves inside loops (N+1)"),
    "commits": _("Transaction().commit() in module code"),
    "sql_concat": _("SQL built from strings in cursor.execute"),
    "syntax_errors": _("Files with syntax errors"),
    "unreadable_files": _("Unreadable files"),
}


def score_variant(score) -> str | None:
    if score is None:
        return None
    return "success" if score >= 80 else ("warning" if score >= 50 else "danger")


class CodeFolderForm(forms.ModelForm):
    class Meta:
        model = CodeFolder
        fields = ["target", "path"]
        help_texts = {
            "path": _(
                "An absolute path on the ERPKeeper host: a Tryton module (with tryton.cfg) or a "
                "folder with modules in it."
            )
        }

    def validate_unique(self):
        pass  # check_code_folder says it in words

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("target") is not None and "path" in cleaned:
            try:
                cleaned["path"] = services.check_code_folder(cleaned["target"], cleaned["path"])
            except ValidationError as exc:
                self.add_error("path", validation_text(exc).removeprefix("path: "))
        return cleaned


@admin.register(CodeFolder)
class CodeFolderAdmin(ModelAdmin):
    form = CodeFolderForm
    list_display = ["path", "target", "added"]
    list_filter = ["target"]
    list_select_related = ["target"]
    search_fields = ["path"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("performance.change_codefolder")

    def save_model(self, request, obj, form, change):
        folder = services.add_code_folder(obj.target, obj.path)
        obj.pk = folder.pk

    def delete_model(self, request, obj):
        services.remove_code_folder(obj)

    def delete_queryset(self, request, queryset):
        for folder in queryset:
            services.remove_code_folder(folder)


@admin.register(CodeReview)
class CodeReviewAdmin(RunAdminMixin, EvidenceAdminMixin, ModelAdmin):
    list_display = [
        "id",
        "target_name",
        "started",
        "status_badge",
        "modules_count",
        "score_badge",
        "change_column",
    ]
    list_filter = ["target", "status"]
    actions_list = ["review_now"]
    fields = [
        "target_name",
        "status_badge",
        "started",
        "duration_display",
        "job_link",
        "error_display",
        "folders_display",
        "score_badge",
        "notes_display",
        "tools_display",
    ]
    readonly_fields = fields
    change_form_after_template = "performance/admin/code_review.html"

    def has_review_now_permission(self, request, object_id=None):
        return request.user.has_perm("performance.add_codereview")

    @display(description=_("Score"), ordering="score")
    def score_badge(self, obj):
        if obj.score is None:
            return "–"
        return badge(score_variant(obj.score), f"{obj.score:g}")

    @display(description=_("Since the previous review"))
    def change_column(self, obj):
        change = services.compare_to_previous(obj)
        return f"{change['score']:+g}" if change else "–"

    @display(description=_("Module folders"))
    def folders_display(self, obj):
        return format_html_join("", "<div><code>{}</code></div>", ((f,) for f in obj.folders))

    @display(description=_("Notes"))
    def notes_display(self, obj):
        texts = services.note_texts(obj)
        if not texts:
            return "–"
        return format_html_join("", '<div data-testid="code-note">{}</div>', ((t,) for t in texts))

    @display(description=_("Tool versions"))
    def tools_display(self, obj):
        return ", ".join(
            f"{tool} {version or gettext('not installed')}" for tool, version in obj.tools.items()
        )

    @action(
        description=_("Review now"),
        icon="code",
        permissions=["review_now"],
        variant=ActionVariant.PRIMARY,
        dialog=REVIEW_DIALOG,
    )
    def review_now(self, request, form):
        try:
            asked = services.request_code_review(form.cleaned_data["target"], request.user)
        except ValidationError as exc:
            self.message_user(request, validation_text(exc).removeprefix("target: "), "error")
            return navigate(request, reverse("admin:performance_codereview_changelist"))
        return show_job(request, asked)

    def get_urls(self):
        own = [
            path(
                "target/<int:target_id>/",
                self.admin_site.admin_view(self.newest_view),
                name="performance_codereview_newest",
            )
        ]
        return own + super().get_urls()

    def newest_view(self, request, target_id):
        """A target's code health page: its newest review (trend chart included)."""
        newest = CodeReview.objects.filter(target_id=target_id).order_by("-started").first()
        if newest is None or not self.has_view_permission(request, newest):
            return redirect(
                reverse("admin:performance_codereview_changelist")
                + f"?target__id__exact={target_id}"
            )
        return redirect(reverse("admin:performance_codereview_change", args=[newest.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        review = self.get_object(request, object_id)
        extra = _page_context(review) if review is not None else {}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


def _page_context(review: CodeReview) -> dict:
    change = services.compare_to_previous(review)
    module_changes = (change or {}).get("modules", {})
    modules = [
        {
            "module": module,
            "variant": score_variant(module.score),
            "change": module_changes.get(module.name),
        }
        for module in review.modules.all()
    ]
    counts = [
        {
            "label": label,
            "value": review.counts.get(key, 0),
            "change": (change or {}).get("counts", {}).get(key),
        }
        for key, label in COUNT_LABELS.items()
    ]
    trend = services.score_trend(review.target_name, until=review.started)
    chart = None
    if trend:
        chart = {
            "labels": [t["started"].strftime("%Y-%m-%d %H:%M") for t in trend],
            "scores": [t["score"] for t in trend],
            "label": gettext("Code health score"),
        }
    return {
        "code_review": review,
        "code_modules": modules,
        "code_counts": counts,
        "code_change": change,
        "code_chart": chart,
    }
