"""Counting what the reports show: article views per day, search terms that found nothing.

Only counts and the term itself are kept, never who read or searched."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from erpkeeper.knowledge.models import Article, ArticleViewDay, SearchMiss

TERM_CHARS = 200


def record_view(article: Article) -> None:
    """One more view of ``article`` today."""
    day = timezone.localdate()
    updated = ArticleViewDay.objects.filter(article=article, day=day).update(views=F("views") + 1)
    if updated:
        return
    try:
        with transaction.atomic():
            ArticleViewDay.objects.create(article=article, day=day, views=1)
    except IntegrityError:  # another request created today's row first
        ArticleViewDay.objects.filter(article=article, day=day).update(views=F("views") + 1)


def normalise_term(query: str) -> str:
    return re.sub(r"\s+", " ", (query or "").strip().lower())[:TERM_CHARS]


def record_search(query: str, hits: int) -> None:
    """A search that found nothing counts its term (what to write next); others are not kept."""
    term = normalise_term(query)
    if hits or not term:
        return
    now = timezone.now()
    updated = SearchMiss.objects.filter(term=term).update(count=F("count") + 1, last_searched=now)
    if updated:
        return
    try:
        with transaction.atomic():
            SearchMiss.objects.create(term=term, count=1, last_searched=now)
    except IntegrityError:
        SearchMiss.objects.filter(term=term).update(count=F("count") + 1, last_searched=now)
