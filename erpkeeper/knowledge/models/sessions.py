"""Knowledge sharing sessions (workshops, seminars): when, who speaks, where, what to read
before or after, and who was invited and came."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.knowledge.models.articles import Article
from erpkeeper.knowledge.models.training import Course


class SessionKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    SEMINAR = "seminar", _("Seminar")


class TrainingSession(models.Model):
    """A workshop or seminar at a place or behind a link."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.WORKSHOP
    )
    starts = models.DateTimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("speaker"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    speaker_name = models.CharField(_("speaker (not a platform user)"), max_length=150, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("meeting link"), blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    course = models.ForeignKey(
        Course,
        verbose_name=_("course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts"]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.starts):%Y-%m-%d %H:%M})"

    @property
    def speaker_text(self) -> str:
        if self.speaker is not None:
            return self.speaker.get_full_name() or self.speaker.get_username()
        return self.speaker_name


class SessionMaterial(models.Model):
    """Something to read for a session: a knowledge article, or a file (stored as articles'
    files are: under ERPKEEPER_HOME, outside any served folder)."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="materials",
    )
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    stored_name = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("session material")
        verbose_name_plural = _("session materials")

    def __str__(self):
        return str(self.article) if self.article_id else self.file_name


class AttendanceState(models.TextChoices):
    INVITED = "invited", _("Invited")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


class SessionAttendance(models.Model):
    """One person invited to a session, and whether they came."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    state = models.CharField(
        _("attendance"),
        max_length=10,
        choices=AttendanceState.choices,
        default=AttendanceState.INVITED,
    )

    class Meta:
        verbose_name = _("session attendance")
        verbose_name_plural = _("session attendance")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="kb_attendance_once")
        ]

    def __str__(self):
        return f"{self.session_id}: {self.user} ({self.state})"
