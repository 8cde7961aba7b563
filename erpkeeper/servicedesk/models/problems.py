"""Problem records (the cause behind one or more incidents, its known error and workaround) and
the agents' saved filters of the ticket list."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProblemStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("problem status", "New")
    INVESTIGATING = "investigating", pgettext_lazy("problem status", "Investigating")
    KNOWN_ERROR = "known_error", pgettext_lazy("problem status", "Known error")
    RESOLVED = "resolved", pgettext_lazy("problem status", "Resolved")
    CLOSED = "closed", pgettext_lazy("problem status", "Closed")


class Problem(models.Model):
    """The cause behind incidents (ITIL): many tickets link to one problem, which holds the
    root cause, the known error and the workaround agents give meanwhile."""

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.NEW
    )
    root_cause = models.TextField(_("root cause"), blank=True)
    known_error = models.TextField(
        _("known error"), blank=True, help_text=_("What goes wrong and how to recognise it.")
    )
    workaround = models.TextField(
        _("workaround"), blank=True, help_text=_("What users can do until it is resolved.")
    )
    targets = models.ManyToManyField(
        "targets.Target", verbose_name=_("affected targets"), blank=True, related_name="problems"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_problems",
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["status", "-created"], name="sd_problem_status")]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status not in (ProblemStatus.RESOLVED, ProblemStatus.CLOSED)


class SavedFilter(models.Model):
    """A named query of the ticket list (the parameters of ``TicketFilterSet``, e.g.
    ``active=true&priority=p1,p2``), its owner's own or shared with everyone at the desk."""

    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(
        _("query"),
        max_length=1000,
        help_text=_("The ticket list's filters as in the API, e.g. active=true&priority=p1,p2"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="servicedesk_filters",
    )
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Everyone at the desk sees and uses it.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="servicedesk_one_filter_name_per_owner"
            )
        ]

    def __str__(self):
        return self.name
