"""Who may read which article: the team (who may view articles in the console) reads every
article; everyone else (portal users) only published portal articles."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from erpkeeper.knowledge.models import Article, ArticleStatus, Visibility
from erpkeeper.knowledge.search import Scope


def is_team(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("knowledge.view_article"))


def readable_articles(user) -> QuerySet[Article]:
    if is_team(user):
        return Article.objects.all()
    return Article.objects.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PORTAL)


def readable_by(user, pk) -> Article:
    """The article if ``user`` may read it; 404 otherwise (whether it exists or not)."""
    article = readable_articles(user).filter(pk=pk).first()
    if article is None:
        raise Http404
    return article


def search_scope(user, language: str = "", include_unpublished: bool = False) -> Scope:
    team = is_team(user)
    return Scope(
        portal=not team, include_unpublished=team and include_unpublished, language=language
    )
