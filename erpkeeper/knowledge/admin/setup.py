"""Categories (each exports as a PDF manual) and review tasks."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from erpkeeper.knowledge import services
from erpkeeper.knowledge.models import ArticleLanguage, Category, ReviewTask
from erpkeeper.lib.cli import validation_text
from erpkeeper.lib.pdf import PDF_CONTENT_TYPE, PdfUnavailable


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["__str__", "position"]
    search_fields = ["name"]
    fields = ["name", "parent", "position"]
    actions = ["manual_zh", "manual_en"]

    @admin.action(description=_("Export as a PDF manual in Chinese"), permissions=["view"])
    def manual_zh(self, request, queryset):
        return _manual(self, request, queryset, ArticleLanguage.ZH_HANS)

    @admin.action(description=_("Export as a PDF manual in English"), permissions=["view"])
    def manual_en(self, request, queryset):
        return _manual(self, request, queryset, ArticleLanguage.EN)


def _manual(model_admin, request, queryset, language):
    if queryset.count() != 1:
        model_admin.message_user(request, _("Choose one category."), messages.WARNING)
        return None
    category = queryset.get()
    try:
        pdf = services.manual_pdf(category, language)
    except (ValidationError, PdfUnavailable) as exc:
        text = validation_text(exc) if isinstance(exc, ValidationError) else str(exc)
        model_admin.message_user(request, text, messages.ERROR)
        return None
    response = HttpResponse(pdf, content_type=PDF_CONTENT_TYPE)
    filename = services.manual_filename(category, language)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(ReviewTask)
class ReviewTaskAdmin(ModelAdmin):
    list_display = ["article", "reason", "assignee", "created", "done_at"]
    list_filter = ["reason", ("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["article", "reason", "created", "done_at"]
    fields = ["article", "reason", "assignee", "created", "done_at"]
    actions = ["mark_done"]

    def has_add_permission(self, request):
        return False  # raised by the daily job (services.raise_review_tasks)

    @admin.action(description=_("Mark the selected reviews done"), permissions=["change"])
    def mark_done(self, request, queryset):
        for task in queryset.filter(done_at__isnull=True):
            services.complete_review(task)
