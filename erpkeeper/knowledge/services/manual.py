"""A category as a PDF manual (the ERP's 操作手册): a title page, a table of contents, and the
published articles of the category and its sub-categories in one language, in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from erpkeeper.knowledge import markdown
from erpkeeper.knowledge.models import Article, ArticleLanguage, ArticleStatus, Category
from erpkeeper.lib.pdf import pdf_bytes


@dataclass
class Chapter:
    number: str
    category: Category
    articles: list[Article] = field(default_factory=list)


def chapters(category: Category, language: str) -> list[Chapter]:
    """The category and its descendants, depth first, each with its published articles."""
    found: list[Chapter] = []

    def walk(node: Category, number: str, seen: set[int]) -> None:
        if node.pk in seen:
            return
        seen.add(node.pk)
        articles = list(
            Article.objects.filter(
                category=node, language=language, status=ArticleStatus.PUBLISHED
            ).order_by("position", "title")
        )
        found.append(Chapter(number, node, articles))
        for index, child in enumerate(node.children.order_by("position", "name"), start=1):
            walk(child, f"{number}.{index}" if number else str(index), seen)

    walk(category, "", set())
    return found


def render_manual(category: Category, language: str) -> str:
    if language not in ArticleLanguage.values:
        raise ValidationError(
            {
                "language": _("Choose one of: %(choices)s")
                % {"choices": ", ".join(ArticleLanguage.values)}
            }
        )
    parts = chapters(category, language)
    if not any(chapter.articles for chapter in parts):
        raise ValidationError(_("This category has no published articles in that language."))
    entries = [
        {"chapter": chapter, "articles": [(a, markdown.render(a.body)) for a in chapter.articles]}
        for chapter in parts
    ]
    with translation.override(language):
        return render_to_string(
            "knowledge/manual.html",
            {
                "LANGUAGE_CODE": language,
                "category": category,
                "entries": entries,
                "generated": timezone.now(),
            },
        )


def manual_pdf(category: Category, language: str) -> bytes:
    """The manual as a PDF with the CJK fonts embedded (PdfUnavailable without Pango)."""
    return pdf_bytes(render_manual(category, language))


def manual_filename(category: Category, language: str) -> str:
    return f"manual-{category.pk}-{language}.pdf"
