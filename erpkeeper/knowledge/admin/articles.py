"""The article editor and the search page."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import display

from erpkeeper.knowledge import markdown, services
from erpkeeper.knowledge.admin import reports
from erpkeeper.knowledge.models import Article, ArticleStatus, ArticleVersion
from erpkeeper.knowledge.search import search
from erpkeeper.lib.admin import ServiceSaveMixin, badge

STATUS_VARIANTS = {
    ArticleStatus.DRAFT: "info",
    ArticleStatus.PUBLISHED: "success",
    ArticleStatus.ARCHIVED: "warning",
}
FIELDS = [
    "title",
    "kind",
    "language",
    "translation_of",
    "category",
    "position",
    "visibility",
    "status",
    "owner",
    "review_due",
    "body",
]


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = FIELDS

    def clean(self):
        cleaned = super().clean()
        other = cleaned.get("translation_of")
        if other is not None and (
            other.pk == self.instance.pk or other.language == cleaned.get("language")
        ):
            self.add_error(
                "translation_of", _("A translation is an article in the other language.")
            )
        return cleaned


@admin.register(Article)
class ArticleAdmin(ServiceSaveMixin, ModelAdmin):
    form = ArticleForm
    list_display = [
        "title",
        "kind",
        "language",
        "category",
        "visibility",
        "status_badge",
        "owner",
        "review_due",
        "helpful",
    ]
    list_filter = ["kind", "language", "visibility", "status", "category"]
    search_fields = ["title"]
    autocomplete_fields = ["translation_of"]
    readonly_fields = ["preview", "versions_list", "files_list", "source_ticket"]
    change_list_template = "knowledge/admin/article_changelist.html"

    def get_fields(self, request, obj=None):
        if obj is None:
            return FIELDS
        return [*FIELDS, "preview", "versions_list", "files_list", "source_ticket"]

    @display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        return badge(STATUS_VARIANTS.get(obj.status), obj.get_status_display())

    @display(description=_("helpful / not"))
    def helpful(self, obj):
        return f"{obj.helpful_yes} / {obj.helpful_no}"

    @display(description=_("preview"))
    def preview(self, obj):
        return format_html(
            '<div class="prose" data-testid="preview">{}</div>', markdown.render(obj.body)
        )

    @display(description=_("versions"))
    def versions_list(self, obj):
        versions = list(obj.versions.select_related("author")[:20])
        diff_url = reverse("admin:knowledge_article_diff", args=[obj.pk])
        return format_html_join(
            "",
            "<div>v{} · {} · {} {}</div>",
            (
                (
                    v.number,
                    v.created.strftime("%Y-%m-%d %H:%M"),
                    v.author or "",
                    format_html(
                        '<a href="{}?from={}&amp;to={}">{}</a>',
                        diff_url,
                        v.number - 1,
                        v.number,
                        _("changes"),
                    )
                    if v.number > 1
                    else "",
                )
                for v in versions
            ),
        )

    @display(description=_("files"))
    def files_list(self, obj):
        return format_html_join(
            "",
            '<div><a href="{}">{}</a> ({} bytes)</div>',
            (
                (reverse("admin:knowledge_article_file", args=[obj.pk, f.pk]), f.file_name, f.size)
                for f in obj.files.all()
            ),
        )

    def save_through_service(self, request, obj, form, change):
        saved = services.save_article(obj, actor=request.user)
        other = form.cleaned_data.get("translation_of")
        if "translation_of" in form.changed_data and other is not None:
            saved = services.link_translation(saved, other)
        return saved

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("search/", wrap(self.search_view), name="knowledge_article_search"),
            path("reports/", wrap(self.reports_view), name="knowledge_reports"),
            path(
                "reports/export/",
                wrap(reports.export_workbook),
                name="knowledge_reports_export",
            ),
            path("<int:pk>/diff/", wrap(self.diff_view), name="knowledge_article_diff"),
            path(
                "<int:pk>/files/<int:file_id>/",
                wrap(self.file_view),
                name="knowledge_article_file",
            ),
            *super().get_urls(),
        ]

    def _check_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied

    def reports_view(self, request):
        return reports.reports_page(request, self.admin_site, self.opts)

    def search_view(self, request):
        """Full-text search with highlighted snippets, over every article the team may read."""
        self._check_view(request)
        query = request.GET.get("q", "").strip()[:200]
        language = request.GET.get("language", "")
        scope = services.search_scope(request.user, language=language, include_unpublished=True)
        hits = search(query, scope, limit=30) if query else []
        if query:
            services.record_search(query, len(hits))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Search the knowledge base"),
            "query": query,
            "hits": hits,
        }
        return TemplateResponse(request, "knowledge/admin/search.html", context)

    def diff_view(self, request, pk):
        """What changed between two versions, side by side (the latest two by default)."""
        self._check_view(request)
        article = get_object_or_404(Article, pk=pk)
        newest = services.latest_version_number(article)
        older = _version(article, request.GET.get("from"), newest - 1)
        newer = _version(article, request.GET.get("to"), newest)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Changes of %(title)s") % {"title": article.title},
            "article": article,
            "table": services.version_diff(older, newer),
        }
        return TemplateResponse(request, "knowledge/admin/diff.html", context)

    def file_view(self, request, pk, file_id):
        self._check_view(request)
        stored = get_object_or_404(get_object_or_404(Article, pk=pk).files, pk=file_id)
        path_ = services.file_path(stored)
        if not path_.exists():
            raise Http404
        response = FileResponse(
            path_.open("rb"),
            as_attachment=True,
            filename=stored.file_name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


def _version(article: Article, number, default: int) -> ArticleVersion:
    try:
        wanted = int(number) if number not in (None, "") else default
    except ValueError:
        raise Http404 from None
    return get_object_or_404(ArticleVersion, article=article, number=max(wanted, 1))
