"""Readers' votes, review tasks for owners, and reads that came from the portal's suggestions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.knowledge.models import (
    Article,
    ArticleStatus,
    ReviewReason,
    ReviewTask,
    SuggestionRead,
    Vote,
)

# An article needs a review when at least this many readers voted and fewer than this share
# found it helpful.
UNHELPFUL_MIN_VOTES = 5
UNHELPFUL_SHARE = 0.5


@transaction.atomic
def vote(article: Article, user, helpful: bool, comment: str = "") -> Vote:
    """The reader's "was this helpful" (a second vote replaces the first); the article keeps
    the counts."""
    if len(comment) > 2000:
        raise ValidationError({"comment": _("Keep the comment under 2000 characters.")})
    found, _created = Vote.objects.update_or_create(
        article=article,
        user=user,
        defaults={"helpful": bool(helpful), "comment": comment.strip(), "created": timezone.now()},
    )
    counts = article.votes.aggregate(yes=Count("pk", filter=Q(helpful=True)), all=Count("pk"))
    article.helpful_yes = counts["yes"]
    article.helpful_no = counts["all"] - counts["yes"]
    article.save(update_fields=["helpful_yes", "helpful_no", "updated"])
    return found


def raise_review_tasks(today: dt.date | None = None) -> int:
    """A review task for the owner of every published article whose review date has passed or
    that readers find unhelpful, unless one is still open. Returns how many were raised."""
    today = today or timezone.localdate()
    published = Article.objects.filter(status=ArticleStatus.PUBLISHED)
    open_tasks = ReviewTask.objects.filter(done_at__isnull=True)
    raised = 0
    due = published.filter(review_due__lt=today).exclude(
        pk__in=open_tasks.filter(reason=ReviewReason.DUE).values("article")
    )
    for article in due:
        _raise(article, ReviewReason.DUE)
        raised += 1
    for article in _unhelpful(published).exclude(
        pk__in=open_tasks.filter(reason=ReviewReason.UNHELPFUL).values("article")
    ):
        _raise(article, ReviewReason.UNHELPFUL)
        raised += 1
    return raised


def _unhelpful(articles):
    voted = articles.filter(helpful_yes__gte=0).annotate(total=Count("votes"))
    unhelpful = [
        a.pk
        for a in voted.filter(total__gte=UNHELPFUL_MIN_VOTES)
        if a.helpful_yes < UNHELPFUL_SHARE * (a.helpful_yes + a.helpful_no)
    ]
    return articles.filter(pk__in=unhelpful)


def _raise(article: Article, reason: ReviewReason) -> ReviewTask:
    return ReviewTask.objects.create(article=article, reason=reason, assignee=article.owner)


def complete_review(task: ReviewTask, *, review_due: dt.date | None = None) -> ReviewTask:
    """The owner looked at the article: the task is done, and the next review date set."""
    with transaction.atomic():
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        if review_due is not None:
            task.article.review_due = review_due
            task.article.save(update_fields=["review_due", "updated"])
    return task


def record_suggestion_read(article: Article, user) -> SuggestionRead:
    """A portal user opened ``article`` from the suggestions on the ticket form."""
    return SuggestionRead.objects.create(article=article, user=user)


def suggestion_reads(start: dt.datetime, end: dt.datetime, user=None) -> int:
    """How many articles were read from suggestions in [start, end) (by ``user``): for the
    desk's deflection figures, which count visits that ended without a ticket."""
    reads = SuggestionRead.objects.filter(created__gte=start, created__lt=end)
    if user is not None:
        reads = reads.filter(user=user)
    return reads.count()
