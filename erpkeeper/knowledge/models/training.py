"""Courses (ordered articles and a quiz with a pass mark), who must take them, and how each
learner is doing.

A ``CourseAssignment`` is the rule (a platform role, a named user, or an ERP group of one
target); an ``Enrolment`` is one learner's place in one course, made by the first rule that
names them, with the due date, the steps read, the attempts and the certificate code.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.knowledge.models.articles import Article, ArticleLanguage
from erpkeeper.lib.roles import Role


class CourseState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("course state", "Draft")
    PUBLISHED = "published", pgettext_lazy("course state", "Published")
    RETIRED = "retired", pgettext_lazy("course state", "Retired")


class Course(models.Model):
    """A course: its articles in order, then a quiz; passed at ``pass_mark`` per cent."""

    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(
        _("language"), max_length=8, choices=ArticleLanguage.choices, default=ArticleLanguage.EN
    )
    description = models.TextField(_("description"), blank=True, max_length=5000)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=CourseState.choices, default=CourseState.DRAFT
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self):
        return self.title


class CourseStep(models.Model):
    """One article of a course, read in ``position`` order."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("course step")
        verbose_name_plural = _("course steps")
        ordering = ["course", "position", "pk"]

    def __str__(self):
        return f"{self.position}. {self.article}"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("One answer")
    MULTIPLE = "multiple", _("Several answers")


class Question(models.Model):
    """A quiz question; right only when exactly the right options are chosen."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.TextField(_("question"), max_length=2000)
    kind = models.CharField(
        _("kind"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["course", "position", "pk"]

    def __str__(self):
        return self.text[:80]


class QuestionOption(models.Model):
    """An answer to choose; ``correct`` is never sent to a learner before they submit."""

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    text = models.CharField(_("answer"), max_length=500)
    correct = models.BooleanField(_("right answer"), default=False)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.text


class AssignmentKind(models.TextChoices):
    ROLE = "role", _("Platform role")
    USER = "user", _("Named user")
    ERP_GROUP = "erp_group", _("ERP group")


class CourseAssignment(models.Model):
    """Who must take a course: everyone in a platform role, one user, or everyone in an ERP
    group (read from the target's latest access snapshot) who has a platform account."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="assignments"
    )
    kind = models.CharField(_("assigned by"), max_length=10, choices=AssignmentKind.choices)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("ERP"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    erp_group = models.CharField(_("ERP group"), max_length=150, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    not_mapped = models.JSONField(
        _("ERP users without a platform account"), default=list, blank=True, editable=False
    )
    synced = models.DateTimeField(_("learners last updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("course assignment")
        verbose_name_plural = _("course assignments")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.course}: {self.who}"

    @property
    def who(self) -> str:
        if self.kind == AssignmentKind.ROLE:
            return str(Role(self.role).label) if self.role in Role.values else self.role
        if self.kind == AssignmentKind.USER:
            return self.user.get_username() if self.user else "-"
        return f"{self.target} / {self.erp_group}"


class Enrolment(models.Model):
    """One learner in one course: due date, progress, best score, completion, certificate."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    assignment = models.ForeignKey(
        CourseAssignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="enrolments",
    )
    erp_group = models.CharField(_("ERP group"), max_length=150, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    assigned = models.DateTimeField(_("assigned"), default=timezone.now)
    best_score = models.PositiveSmallIntegerField(_("best score (%)"), null=True, blank=True)
    completed = models.DateTimeField(_("completed"), null=True, blank=True)
    certificate_code = models.CharField(
        _("certificate code"), max_length=20, blank=True, db_index=True
    )
    reminded = models.DateTimeField(_("reminded before the due date"), null=True, blank=True)
    overdue_noticed = models.DateTimeField(_("overdue notice"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["due_date", "course", "user"]
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="kb_enrolment_once")]

    def __str__(self):
        return f"{self.user} · {self.course}"

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.completed is None and self.due_date is not None and self.due_date < today


class StepRead(models.Model):
    """The learner read this step of the course."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="reads"
    )
    step = models.ForeignKey(
        CourseStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="+"
    )
    read = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        verbose_name = _("step read")
        verbose_name_plural = _("steps read")
        constraints = [models.UniqueConstraint(fields=["enrolment", "step"], name="kb_read_once")]

    def __str__(self):
        return f"{self.enrolment_id}: {self.step_id}"


class Attempt(models.Model):
    """One submitted quiz: the options chosen per question, the score computed on the server."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attempts"
    )
    submitted = models.DateTimeField(_("submitted"), default=timezone.now)
    answers = models.JSONField(_("answers"), default=dict)  # {question id: [option ids]}
    right = models.PositiveSmallIntegerField(_("right answers"), default=0)
    questions = models.PositiveSmallIntegerField(_("questions"), default=0)
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-submitted"]

    def __str__(self):
        return f"{self.enrolment} · {self.score}%"
