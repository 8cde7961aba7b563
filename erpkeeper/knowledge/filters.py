"""The filters of the article list, for the API, its schema and the CLI (see lib/filters.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import ChoiceFilter, FilterSet

from erpkeeper.knowledge.models import (
    Article,
    ArticleKind,
    ArticleLanguage,
    ArticleStatus,
    Visibility,
)
from erpkeeper.lib.filters import CommaChoiceFilter, IdOrNameFilter


class ArticleFilterSet(FilterSet):
    kind = CommaChoiceFilter(choices=ArticleKind.choices, help_text=_("e.g. faq,howto"))
    language = ChoiceFilter(choices=ArticleLanguage.choices, help_text=_("zh-hans or en"))
    visibility = ChoiceFilter(choices=Visibility.choices, help_text=_("internal or portal"))
    status = CommaChoiceFilter(choices=ArticleStatus.choices, help_text=_("e.g. draft,published"))
    category = IdOrNameFilter(help_text=_("the category's id or name"))
    owner = IdOrNameFilter(name_field="username", help_text=_("the owner's id or user name"))

    class Meta:
        model = Article
        fields: list[str] = []
