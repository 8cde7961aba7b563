"""Full-text search over the index text (``knowledge.text``): FTS5 with bm25 on SQLite, a GIN
indexed ``tsvector`` with ts_rank on PostgreSQL, the same words on both. Title words weigh more.

Who may read what is part of the query (a portal user's search never ranks an internal
article); the highlighted snippet is cut from the article's own text here, so it reads the same
whichever database answered.
"""

from __future__ import annotations

import html
import itertools
import re
from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from erpkeeper.knowledge import text
from erpkeeper.knowledge.models import Article, ArticleStatus, Visibility

MAX_RESULTS = 50
# A query of more words than this is a sentence (a ticket's subject): it is matched against the
# titles only, which keeps it fast (intersecting the texts' lists of common words is not).
MAX_TEXT_TERMS = 3
# Word groups asked at once when a query's words are not all in one title (see ``_best``).
MAX_GROUPS = 64
SNIPPET_CHARS = 160
TITLE_WEIGHT = 5.0
# Markdown marks that would only clutter a snippet.
MARKUP = re.compile(r"[#*_`>\[\]()!|~-]+")
WORDS = re.compile(rf"[{text.HAN}]+|[^\W_{text.HAN}]+")


@dataclass(frozen=True)
class Scope:
    """Which articles a search may return: ``portal`` keeps to published portal articles;
    otherwise drafts and archived ones only when ``include_unpublished``."""

    portal: bool = True
    include_unpublished: bool = False
    language: str = ""

    def where(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.portal:
            clauses.append("a.visibility = %s")
            params.append(Visibility.PORTAL.value)
        if self.portal or not self.include_unpublished:
            clauses.append("a.status = %s")
            params.append(ArticleStatus.PUBLISHED.value)
        if self.language:
            clauses.append("a.language = %s")
            params.append(self.language)
        return (" AND ".join(clauses) or "1 = 1"), params


@dataclass(frozen=True)
class Hit:
    article: Article
    rank: float
    snippet: SafeString

    @property
    def title(self) -> str:
        return self.article.title


def search(query: str, scope: Scope, limit: int = 10) -> list[Hit]:
    """The best ``limit`` articles for ``query`` within ``scope``, best first."""
    terms = text.query_terms(query)
    if not terms:
        return []
    limit = min(max(limit, 1), MAX_RESULTS)
    ranked = _best(terms, scope, limit)
    articles = Article.objects.in_bulk([pk for pk, _rank in ranked])
    wanted = set(terms)
    return [
        Hit(articles[pk], rank, snippet(articles[pk].body, wanted))
        for pk, rank in ranked
        if pk in articles
    ]


def _best(terms: list[str], scope: Scope, limit: int) -> list[tuple[int, float]]:
    """Articles with every word; when none has them all (a ticket's subject is a sentence,
    not a query), those whose titles have the most of them. Sentences (more than
    MAX_TEXT_TERMS words) are matched against titles only.

    The titles are asked first: when enough titles have every word, those are the answer (a
    title match outranks a match in the text anyway), so a common word is not ranked over
    every text that mentions it; with the titles-only fallback this keeps the p95 low at
    100,000 articles (docs/benchmarks.md)."""
    ranked = _ranked_ids([terms], scope, limit, titles_only=True)
    if len(ranked) < limit and len(terms) <= MAX_TEXT_TERMS:
        ranked = _ranked_ids([terms], scope, limit) or ranked
    # Fewer words: titles with all but one of them, then all but two, ... (each a handful of
    # cheap intersections), and only at last titles with any single word, which is costly.
    # Words in no title at all ("cannot", "March") are left out first: one index probe each.
    if not ranked and len(terms) > 1:
        terms = [term for term in terms if _in_some_title(term)]
        ranked = _ranked_ids([terms], scope, limit, titles_only=True) if terms else []
    size = len(terms) - 1
    while not ranked and size >= 1:
        groups = [list(group) for group in itertools.combinations(terms, size)]
        if size == 1 or len(groups) <= MAX_GROUPS:
            ranked = _ranked_ids(groups, scope, limit, titles_only=True)
        size -= 1
    return ranked


def _in_some_title(term: str) -> bool:
    if connection.vendor == "postgresql":
        sql = (
            "SELECT 1 FROM knowledge_articleindex "
            "WHERE title_search @@ to_tsquery('simple', %s) LIMIT 1"
        )
        args = [ts_query([[term]])]
    else:
        sql = "SELECT 1 FROM knowledge_fts WHERE knowledge_fts MATCH %s LIMIT 1"
        args = [fts_query([[term]], titles_only=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchone() is not None


def _ranked_ids(
    groups: list[list[str]], scope: Scope, limit: int, titles_only: bool = False
) -> list[tuple[int, float]]:
    """The best articles having every word of at least one of ``groups``."""
    where, params = scope.where()
    if connection.vendor == "postgresql":
        column = "i.title_search" if titles_only else "i.search"
        sql = (
            f"SELECT a.id, ts_rank({column}, q) AS rank FROM knowledge_articleindex i "
            "JOIN knowledge_article a ON a.id = i.article_id, to_tsquery('simple', %s) q "
            f"WHERE {column} @@ q AND {where} ORDER BY rank DESC, a.id LIMIT %s"
        )
        args = [ts_query(groups), *params, limit]
    else:
        sql = (
            f"SELECT a.id, -bm25(knowledge_fts, {TITLE_WEIGHT}, 1.0) AS rank FROM knowledge_fts "
            "JOIN knowledge_article a ON a.id = knowledge_fts.rowid "
            f"WHERE knowledge_fts MATCH %s AND {where} ORDER BY rank DESC, a.id LIMIT %s"
        )
        args = [fts_query(groups, titles_only), *params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return [(row[0], float(row[1])) for row in cursor.fetchall()]


def fts_query(groups: list[list[str]], titles_only: bool = False) -> str:
    """Every word as a quoted FTS5 string, the words of a group all required, any group
    enough, in the titles only or anywhere: nothing typed reaches FTS5's query syntax."""
    expression = " OR ".join(
        "(" + " AND ".join('"{}"'.format(term.replace('"', '""')) for term in group) + ")"
        for group in groups
    )
    return f"{{title}} : ({expression})" if titles_only else expression


def ts_query(groups: list[list[str]]) -> str:
    """The same for PostgreSQL's to_tsquery, each word a quoted lexeme (the titles alone have
    a column of their own, ``title_search``)."""
    return " | ".join(
        "("
        + " & ".join("'{}'".format(term.replace("'", "''").replace("\\", "")) for term in group)
        + ")"
        for group in groups
    )


def snippet(body: str, wanted: set[str], width: int = SNIPPET_CHARS) -> SafeString:
    """About ``width`` characters of ``body`` around its first matching word, the matching
    words in ``<mark>``, everything else escaped."""
    plain = " ".join(MARKUP.sub(" ", body).split())
    found = [m for m in WORDS.finditer(plain) if text.matches(m.group(), wanted)]
    start = max(0, found[0].start() - width // 3) if found else 0
    end = min(len(plain), start + width)
    pieces, position = [], start
    for match in found:
        if match.start() < start or match.end() > end:
            continue
        pieces.append(html.escape(plain[position : match.start()]))
        pieces.append(_mark(match.group(), wanted))
        position = match.end()
    pieces.append(html.escape(plain[position:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(plain) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308  (every piece escaped)


def _mark(word: str, wanted: set[str]) -> str:
    """The word with its matching part marked: the whole of an English word, the matching
    Chinese words inside a run of Han characters."""
    if not text.HAN_RUN.match(word):
        return f"<mark>{html.escape(word)}</mark>"
    han_terms = sorted((t for t in wanted if text.HAN_RUN.match(t)), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(t) for t in han_terms))
    return pattern.sub(lambda m: f"<mark>{m.group()}</mark>", html.escape(word))
