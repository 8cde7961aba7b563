"""Continuous integration: pipeline runs reported by CI servers, their secrets, and which
repository holds which target's custom modules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CiSource(models.TextChoices):
    GENERIC = "generic", _("Generic JSON")
    GITLAB = "gitlab", _("GitLab CI")
    GITHUB = "github", _("GitHub Actions")
    JENKINS = "jenkins", _("Jenkins")


class PipelineStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCESS = "success", _("Passed")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Cancelled")
    OTHER = "other", _("Other")


class CiSecret(models.Model):
    """The shared secret of one CI source, encrypted (GitHub's signature needs it in clear to
    compute the HMAC, so it cannot be a one-way hash). Never shown again once set."""

    audit_redact = {"secret": None}

    source = models.CharField(_("source"), max_length=16, choices=CiSource.choices, unique=True)
    secret = models.TextField(_("secret (encrypted)"))
    created = models.DateTimeField(_("set"), auto_now=True)

    class Meta:
        verbose_name = _("CI secret")
        verbose_name_plural = _("CI secrets")

    def __str__(self):
        return self.get_source_display()


class Repository(models.Model):
    """A source repository holding a target's custom modules: its runs attach to the target."""

    name = models.CharField(
        _("repository"),
        max_length=255,
        unique=True,
        help_text=_("As the CI server names it, e.g. erp/custom-modules."),
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="repositories",
    )
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("repository")
        verbose_name_plural = _("repositories")

    def __str__(self):
        return self.name


class PipelineRun(models.Model):
    """One CI pipeline run as its server reported it; a later report of the same run (same
    source and external id) updates it."""

    source = models.CharField(_("source"), max_length=16, choices=CiSource.choices)
    external_id = models.CharField(_("run id"), max_length=100)
    repository = models.CharField(_("repository"), max_length=255, db_index=True)
    branch = models.CharField(_("branch"), max_length=255, blank=True)
    commit = models.CharField(_("commit"), max_length=64, blank=True)
    commit_message = models.TextField(_("commit message"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=PipelineStatus.choices)
    tests_total = models.PositiveIntegerField(_("tests"), null=True, blank=True)
    tests_failed = models.PositiveIntegerField(_("failed tests"), null=True, blank=True)
    tests_skipped = models.PositiveIntegerField(_("skipped tests"), null=True, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    received = models.DateTimeField(_("received"), auto_now=True)
    change = models.ForeignKey(
        "changes.ChangeRequest",
        verbose_name=_("change"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pipeline_runs",
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pipeline_runs",
    )

    class Meta:
        ordering = ["-received", "-pk"]
        verbose_name = _("pipeline run")
        verbose_name_plural = _("pipeline runs")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="changes_one_run")
        ]

    def __str__(self):
        return f"{self.repository} {self.branch} {self.status}"
