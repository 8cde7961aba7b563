"""Writing articles: every save keeps a version and rewrites the index text; translations are
linked in pairs; a resolved ticket becomes a draft article in one step."""

from __future__ import annotations

import difflib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from erpkeeper.knowledge.models import (
    Article,
    ArticleKind,
    ArticleLanguage,
    ArticleStatus,
    ArticleVersion,
    ReviewTask,
)
from erpkeeper.knowledge.services.index import index_article
from erpkeeper.servicedesk.models import MessageKind, Ticket, TicketStatus, Via

EDITABLE = (
    "title",
    "body",
    "kind",
    "language",
    "category",
    "position",
    "visibility",
    "status",
    "owner",
    "review_due",
)


def create_article(*, actor=None, **fields) -> Article:
    """A new article (a draft unless ``status`` says otherwise), owned by ``actor`` unless an
    owner is given."""
    unknown = set(fields) - set(EDITABLE) - {"source_ticket"}
    if unknown:
        raise ValidationError(_("Unknown article fields: %(names)s") % {"names": sorted(unknown)})
    fields.setdefault("owner", actor)
    return save_article(Article(**fields), actor=actor)


def update_article(article: Article, *, actor=None, **fields) -> Article:
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValidationError({name: _("This field cannot be changed here.")})
        setattr(article, name, value)
    return save_article(article, actor=actor)


@transaction.atomic
def save_article(article: Article, *, actor=None) -> Article:
    """Validate and save the article; keep a version when its title or text changed, rewrite
    its index text, and close its open review tasks (saving it is reviewing it)."""
    article.full_clean()
    if article.status == ArticleStatus.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.save()
    latest = article.versions.order_by("-number").first()
    if latest is None or (latest.title, latest.body) != (article.title, article.body):
        number = (latest.number if latest else 0) + 1
        ArticleVersion.objects.create(
            article=article, number=number, title=article.title, body=article.body, author=actor
        )
        for task in ReviewTask.objects.filter(article=article, done_at__isnull=True):
            task.done_at = timezone.now()
            task.save(update_fields=["done_at"])  # saved one by one: the audit trail sees it
    index_article(article)
    return article


@transaction.atomic
def link_translation(article: Article, other: Article) -> Article:
    """Pair ``article`` with its version in the other language (the old pairs of either come
    apart)."""
    if article.pk == other.pk or article.language == other.language:
        raise ValidationError(
            {"translation_of": _("A translation is an article in the other language.")}
        )
    pair = (article.pk, other.pk)
    for linked in Article.objects.filter(Q(translation_of__in=pair) | Q(pk__in=pair)).exclude(
        translation_of=None
    ):
        linked.translation_of = None
        linked.save(update_fields=["translation_of", "updated"])
    article.refresh_from_db()
    article.translation_of = other
    article.save(update_fields=["translation_of", "updated"])
    return article


def version_diff(older: ArticleVersion, newer: ArticleVersion) -> str:
    """The two versions side by side as an HTML table (difflib), changed lines marked."""
    if older.article_id != newer.article_id:
        raise ValidationError(_("Both versions must belong to the same article."))
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        older.body.splitlines(),
        newer.body.splitlines(),
        _("Version %(number)s") % {"number": older.number},
        _("Version %(number)s") % {"number": newer.number},
        context=True,
        numlines=3,
    )


def latest_version_number(article: Article) -> int:
    return article.versions.aggregate(top=Max("number"))["top"] or 0


# -- from a resolved ticket ------------------------------------------------------------------------


@transaction.atomic
def article_from_ticket(ticket: Ticket, *, actor=None, language: str = "") -> Article:
    """A draft how-to (a known error for an incident) from a resolved ticket: its subject as
    the title, the question (the first message) and the desk's last public reply as the
    solution. Nothing of the requester's (name, address, signature lines) is copied: only the
    messages' text, and the requester's name and address are taken out of it."""
    if ticket.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        raise ValidationError(_("Only a resolved or closed ticket becomes an article."))
    existing = Article.objects.filter(source_ticket=ticket.number).first()
    if existing is not None:
        raise ValidationError(
            _("Ticket %(number)s is already article %(id)s.")
            % {"number": ticket.number, "id": existing.pk}
        )
    question, solution = _question_and_solution(ticket)
    body = "\n\n".join(
        [
            "## " + pgettext("article from a ticket", "Question"),
            _scrub(question, ticket),
            "## " + pgettext("article from a ticket", "Solution"),
            _scrub(solution, ticket),
        ]
    )
    kind = ArticleKind.KNOWN_ERROR if ticket.kind == "incident" else ArticleKind.HOW_TO
    return create_article(
        title=ticket.subject,
        body=body,
        kind=kind,
        language=language or _guess_language(ticket.subject + question),
        source_ticket=ticket.number,
        actor=actor,
    )


def _question_and_solution(ticket: Ticket) -> tuple[str, str]:
    # The desk's own notices ("ticket resolved") are no part of the answer.
    replies = (
        ticket.messages.filter(kind=MessageKind.REPLY)
        .exclude(via=Via.SYSTEM)
        .order_by("created", "pk")
    )
    first = replies.first()
    answer = replies.filter(from_requester=False).order_by("-created", "-pk").first()
    question = first.body if first is not None and first.from_requester else ""
    return question.strip(), (answer.body.strip() if answer is not None else "")


def _scrub(text: str, ticket: Ticket) -> str:
    """The text without the requester's name, address or account name."""
    for personal in _personal(ticket):
        text = text.replace(personal, "…")
    return text


def _personal(ticket: Ticket) -> list[str]:
    found = [ticket.requester_name, ticket.requester_email]
    if ticket.requester is not None:
        user = ticket.requester
        found += [user.get_full_name(), user.email, user.username]
    return sorted({value for value in found if value and len(value) >= 2}, key=len, reverse=True)


def _guess_language(text: str) -> str:
    han = sum(1 for char in text if "\u4e00" <= char <= "\u9fff")
    return ArticleLanguage.ZH_HANS if han * 4 >= len(text.strip() or "x") else ArticleLanguage.EN
