"""What the knowledge reports count: article views per day and searches that found nothing.

Neither keeps who read or searched: a view is a count per article and day, a missed search is
the term itself with a count and the time it was last searched (never the user, the address or
the session)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.knowledge.models.articles import Article


class ArticleViewDay(models.Model):
    """How often an article was opened on one day (the portal, the console, the API)."""

    audit_exclude = True  # a counter of reads, not a change

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("article views of a day")
        verbose_name_plural = _("article views per day")
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="kb_viewday_unique")]
        indexes = [models.Index(fields=["day"], name="kb_viewday_day")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.views}"


class SearchMiss(models.Model):
    """A search term that found no article: what to write next. The term only (normalised:
    trimmed, lower-cased, spaces collapsed), never who searched."""

    audit_exclude = True  # a counter of searches, not a change

    term = models.CharField(_("search term"), max_length=200, unique=True)
    count = models.PositiveIntegerField(_("times searched"), default=0)
    last_searched = models.DateTimeField(_("last searched"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("search without a result")
        verbose_name_plural = _("searches without a result")
        ordering = ["-count", "-last_searched"]

    def __str__(self):
        return self.term
