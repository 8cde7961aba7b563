"""What the portal's ticket form suggests (registered with the desk in ``apps.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from erpkeeper.knowledge.search import Scope, search

SUGGESTIONS = 5


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str


def suggest(text: str) -> list[Suggestion]:
    """Published portal articles for the subject being typed; each link says it came from a
    suggestion, so that reading it is counted (``services.record_suggestion_read``)."""
    hits = search(text, Scope(portal=True), limit=SUGGESTIONS)
    return [
        Suggestion(
            hit.title, reverse("kb-portal:article", args=[hit.article.pk]) + "?from=suggestion"
        )
        for hit in hits
    ]
