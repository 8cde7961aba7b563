"""``erpkeeper kb search|list|show|from-ticket|export-manual|reindex|reviews``.

    erpkeeper kb search 发票                       (best first, with snippets; --portal: as
                                                   a portal user would see it)
    erpkeeper kb list --status published --language zh-hans
    erpkeeper kb show 12                            (the article with its versions)
    erpkeeper --as helen kb from-ticket ERP-2026-000123
    erpkeeper kb export-manual 3 --language zh-hans -o manual.pdf
    erpkeeper kb reindex                            (rebuild the search index from scratch)
    erpkeeper kb reviews                            (raise the review tasks now)
    erpkeeper kb report --from 2026-11-01           (views, searches, deflection, completion)

Acting as ``--as USER`` makes that user the author, and the user's role decides what they may
read and write; without it the CLI acts as the system.
"""

from __future__ import annotations

import sys
import time
from html import unescape
from pathlib import Path

from django.core.exceptions import ValidationError

from erpkeeper.core.audit import acting_user
from erpkeeper.knowledge import cli_training, services
from erpkeeper.knowledge.filters import ArticleFilterSet
from erpkeeper.knowledge.models import Article, ArticleLanguage, Category
from erpkeeper.knowledge.search import Scope, search
from erpkeeper.lib.cli import (
    EXIT_USAGE,
    CommandError,
    emit,
    find_one,
    render_plain,
    table,
    validation_error,
)
from erpkeeper.lib.filters import add_filter_arguments, filter_from_arguments
from erpkeeper.lib.pdf import PdfUnavailable
from erpkeeper.servicedesk.models import Ticket

LIST_COLUMNS = ["id", "status", "kind", "language", "visibility", "title"]
SEARCH_COLUMNS = ["id", "rank", "title", "snippet"]


def register(sub) -> None:
    kb = sub.add_parser("kb", help="the knowledge base: search, articles, manuals")
    actions = kb.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    finding = actions.add_parser("search", help="full-text search, best first")
    finding.add_argument("query", nargs="+")
    finding.add_argument("--language", choices=ArticleLanguage.values)
    finding.add_argument("--portal", action="store_true", help="only what portal users see")
    finding.add_argument("--limit", type=int, default=10)
    finding.set_defaults(handler=handle_search)
    listing = actions.add_parser("list", help="articles")
    add_filter_arguments(listing, ArticleFilterSet)
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="an article with its versions")
    show.add_argument("article", type=int, help="the article's id")
    show.set_defaults(handler=handle_show)
    from_ticket = actions.add_parser("from-ticket", help="a resolved ticket becomes a draft")
    from_ticket.add_argument("ticket", help="the ticket's number")
    from_ticket.add_argument("--language", choices=ArticleLanguage.values)
    from_ticket.set_defaults(handler=handle_from_ticket)
    export = actions.add_parser("export-manual", help="a category as a PDF manual")
    export.add_argument("category", help="the category's id or name")
    export.add_argument("--language", choices=ArticleLanguage.values, default="zh-hans")
    export.add_argument("-o", "--output", required=True, metavar="FILE")
    export.set_defaults(handler=handle_export)
    reindex = actions.add_parser("reindex", help="rebuild the search index from scratch")
    reindex.set_defaults(handler=handle_reindex)
    reviews = actions.add_parser("reviews", help="raise review tasks now (daily job)")
    reviews.set_defaults(handler=handle_reviews)
    cli_training.register_report(actions)


def may(action: str, model: str = "article") -> None:
    user = acting_user()
    if user is not None and not user.has_perm(f"knowledge.{action}_{model}"):
        raise CommandError(
            f"{user.get_username()} may not {action} {model}s", EXIT_USAGE, "forbidden"
        )


def handle_search(args) -> int:
    user = acting_user()
    scope = (
        Scope(portal=True, language=args.language or "")
        if args.portal or (user is not None and not user.has_perm("knowledge.view_article"))
        else Scope(portal=False, include_unpublished=True, language=args.language or "")
    )
    hits = search(" ".join(args.query), scope, limit=max(args.limit, 1))
    rows = [
        {
            "id": h.article.pk,
            "rank": round(h.rank, 4),
            "title": h.title,
            "snippet": _plain(h.snippet),
        }
        for h in hits
    ]
    emit(args, rows, table(rows, SEARCH_COLUMNS))
    return 0


def _plain(snippet: str) -> str:
    """The snippet for a terminal: the marks as [brackets]."""

    return unescape(snippet.replace("<mark>", "[").replace("</mark>", "]"))


def handle_list(args) -> int:
    may("view")
    articles = filter_from_arguments(ArticleFilterSet, Article.objects.order_by("pk"), args)
    rows = [article_row(a) for a in articles[: max(args.limit, 0)]]
    emit(args, rows, table(rows, LIST_COLUMNS))
    return 0


def article_row(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "kind": article.kind,
        "language": article.language,
        "visibility": article.visibility,
        "status": article.status,
        "category": str(article.category) if article.category else "",
        "owner": article.owner.get_username() if article.owner else "",
        "review_due": article.review_due.isoformat() if article.review_due else "",
        "translation": article.translation.pk if article.translation else None,
        "helpful_yes": article.helpful_yes,
        "helpful_no": article.helpful_no,
    }


def handle_show(args) -> int:
    may("view")
    article = find_one(Article.objects, "article", pk=args.article)
    versions = [
        {"number": v.number, "created": v.created.isoformat(), "author": str(v.author or "")}
        for v in article.versions.all()
    ]
    row = {**article_row(article), "body": article.body, "versions": versions}
    emit(args, row, render_plain(row))
    return 0


def handle_from_ticket(args) -> int:
    may("add")
    ticket = find_one(Ticket.objects, "ticket", number=args.ticket)
    try:
        article = services.article_from_ticket(
            ticket, actor=acting_user(), language=args.language or ""
        )
    except ValidationError as exc:
        raise validation_error(exc) from None
    row = article_row(article)
    emit(args, row, f"draft article {article.pk} written from {ticket.number}: {article.title}")
    return 0


def handle_export(args) -> int:
    may("view")
    lookup = {"pk": int(args.category)} if args.category.isdigit() else {"name": args.category}
    category = find_one(Category.objects, "category", **lookup)
    try:
        pdf = services.manual_pdf(category, args.language)
    except ValidationError as exc:
        raise validation_error(exc) from None
    except PdfUnavailable as exc:
        raise CommandError(str(exc)) from None
    Path(args.output).write_bytes(pdf)
    emit(args, {"file": args.output, "bytes": len(pdf)}, f"{args.output}: {len(pdf)} bytes")
    return 0


def handle_reindex(args) -> int:
    may("change")
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if not getattr(args, "json", False) and sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr)

    count = services.reindex(progress=progress)
    seconds = round(time.monotonic() - started, 1)
    emit(args, {"articles": count, "seconds": seconds}, f"{count} articles indexed in {seconds} s")
    return 0


def handle_reviews(args) -> int:
    may("change", "reviewtask")
    raised = services.raise_review_tasks()
    emit(args, {"raised": raised}, f"{raised} review tasks raised")
    return 0
