"""The knowledge base: articles in categories, every saved body kept as a version, files,
readers' votes, review tasks for their owners, and the search index text.

An article is in one language; its other-language version is a separate article linked by
``translation_of`` (the pair is symmetric: each points at the other).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ArticleKind(models.TextChoices):
    MANUAL = "manual", pgettext_lazy("article kind", "Manual")
    FAQ = "faq", _("FAQ")
    HOW_TO = "howto", _("How-to")
    KNOWN_ERROR = "known_error", _("Known error")
    RELEASE_NOTE = "release_note", _("Release note")


class ArticleLanguage(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal (the team only)")
    PORTAL = "portal", _("Portal (ERP end users too)")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article status", "Draft")
    PUBLISHED = "published", pgettext_lazy("article status", "Published")
    ARCHIVED = "archived", pgettext_lazy("article status", "Archived")


class Category(models.Model):
    """A node of the category tree; a category with its articles exports as a manual."""

    name = models.CharField(_("name"), max_length=150)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="kb_category_unique_name")
        ]

    def __str__(self):
        return " / ".join(node.name for node in self.path())

    def path(self) -> list[Category]:
        """This category and its ancestors, root first (a loop stops the walk)."""
        nodes, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            nodes.append(node)
            node = node.parent
        return list(reversed(nodes))


class Article(models.Model):
    """A manual page, FAQ, how-to, known error or release note, written in Markdown."""

    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text (Markdown)"), validators=[MaxLengthValidator(200_000)])
    kind = models.CharField(
        _("kind"), max_length=16, choices=ArticleKind.choices, default=ArticleKind.HOW_TO
    )
    language = models.CharField(
        _("language"), max_length=8, choices=ArticleLanguage.choices, default=ArticleLanguage.EN
    )
    translation_of = models.OneToOneField(
        "self",
        verbose_name=_("translation of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translated_as",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=pgettext_lazy("knowledge", "category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    position = models.PositiveIntegerField(_("position in the manual"), default=0)
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_due = models.DateField(_("review date"), null=True, blank=True)
    source_ticket = models.CharField(
        _("from ticket"), max_length=24, blank=True, help_text=_("The ticket it was written from.")
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    helpful_yes = models.PositiveIntegerField(_("helpful"), default=0, editable=False)
    helpful_no = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["category_id", "position", "title"]
        indexes = [
            models.Index(fields=["status", "visibility"], name="kb_article_visible"),
            models.Index(fields=["status", "review_due"], name="kb_article_review"),
        ]

    def __str__(self):
        return self.title

    @property
    def translation(self) -> Article | None:
        """The other-language version, whichever side holds the link."""
        if self.translation_of_id:
            return self.translation_of
        return getattr(self, "translated_as", None)


class ArticleVersion(models.Model):
    """The article as it was saved, every time its title or text changed."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text (Markdown)"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique")
        ]

    def __str__(self):
        return f"{self.article} v{self.number}"


class ArticleFile(models.Model):
    """An image or attachment of an article, kept under ERPKEEPER_HOME (never under the web
    root) and served only to who may read the article."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="files"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    stored_name = models.CharField(max_length=255, editable=False)  # relative to the store
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("article file")
        verbose_name_plural = _("article files")

    def __str__(self):
        return self.file_name


class Vote(models.Model):
    """A reader's "was this helpful": one per reader and article (a second vote replaces it)."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("article vote")
        verbose_name_plural = _("article votes")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="kb_vote_once")]

    def __str__(self):
        return f"{self.article}: {self.helpful}"


class ReviewReason(models.TextChoices):
    DUE = "due", _("Review date passed")
    UNHELPFUL = "unhelpful", _("Readers found it unhelpful")


class ReviewTask(models.Model):
    """A request to the article's owner to look at it again; done when they save or mark it."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="review_tasks"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=ReviewReason.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("article review task")
        verbose_name_plural = _("article review tasks")
        ordering = ["done_at", "-created"]

    def __str__(self):
        return f"{self.article}: {self.get_reason_display()}"


class SuggestionRead(models.Model):
    """A portal user opened an article from the suggestions shown while writing a ticket: the
    desk's deflection figures count these (``services.suggestion_reads``)."""

    audit_exclude = True  # reading is an observation, not a change

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("read"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("article read from a suggestion")
        verbose_name_plural = _("articles read from suggestions")

    def __str__(self):
        return f"{self.article_id} @ {self.created:%Y-%m-%d %H:%M}"


class ArticleIndex(models.Model):
    """The article's search text (see ``knowledge.text``), with what visibility checks need.

    On SQLite the FTS5 table ``knowledge_fts`` follows this table through triggers; on
    PostgreSQL a generated ``tsvector`` column with a GIN index is added to it (migration
    0002). Rebuilt from the articles by ``services.reindex``."""

    audit_exclude = True  # derived from the article, whose changes are recorded

    article = models.OneToOneField(
        Article, primary_key=True, on_delete=models.CASCADE, related_name="index_entry"
    )
    title = models.TextField()
    body = models.TextField()

    class Meta:
        verbose_name = _("search index entry")
        verbose_name_plural = _("search index entries")

    def __str__(self):
        return str(self.article_id)
