"""What ERP version and modules each target ran, and when that changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModuleChange(models.TextChoices):
    ADDED = "added", _("Added")
    REMOVED = "removed", _("Removed")
    UPGRADED = "upgraded", _("Upgraded")
    DOWNGRADED = "downgraded", _("Downgraded")


class VersionSnapshot(models.Model):
    """The ERP version and every module's version as a target check found them, stored only
    when something differs from the target's previous snapshot. ``changes`` lists what differs:
    [{"module": "sale", "kind": "upgraded", "from": "8.0", "to": "8.2"}, ...]."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="version_snapshots",
    )
    taken = models.DateTimeField(_("found"), db_index=True)
    erp_version = models.CharField(_("ERP version"), max_length=64)
    previous_erp_version = models.CharField(_("previous ERP version"), max_length=64, blank=True)
    modules = models.JSONField(_("modules"), default=dict)
    changes = models.JSONField(_("what changed"), default=list, blank=True)

    class Meta:
        ordering = ["-taken", "-pk"]
        verbose_name = _("version snapshot")
        verbose_name_plural = _("version snapshots")

    def __str__(self):
        return f"{self.target} {self.erp_version} @ {self.taken:%Y-%m-%d %H:%M}"


class ReleaseNote(models.Model):
    """What the team knows about one version of the ERP or of one module: notes, known issues,
    and the change that brought it."""

    product = models.CharField(
        _("product or module"),
        max_length=100,
        help_text=_("The ERP kind (tryton) for the ERP itself, or a module's name (sale)."),
    )
    version = models.CharField(_("version"), max_length=64)
    notes = models.TextField(_("release notes"), blank=True)
    known_issues = models.TextField(_("known issues"), blank=True)
    link = models.URLField(_("link"), blank=True)
    change = models.ForeignKey(
        "changes.ChangeRequest",
        verbose_name=_("change that brought it"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="release_notes",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["product", "-version"]
        verbose_name = _("release note")
        verbose_name_plural = _("release notes")
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="changes_note_unique")
        ]

    def __str__(self):
        return f"{self.product} {self.version}"
