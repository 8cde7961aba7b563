"""The framework library: frameworks loaded from YAML files, their requirement trees, and what
changed when a newer version of a framework was loaded."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.governance.compliance.models.texts import BilingualMixin


class Framework(BilingualMixin, models.Model):
    """A regulation or standard (PIPL, 等保2.0 level 3, ISO/IEC 27001:2022 Annex A ...) as
    loaded from one library file; loading a newer version updates it in place."""

    urn = models.CharField(_("URN"), max_length=255, unique=True)
    library_urn = models.CharField(_("library URN"), max_length=255)
    ref_id = models.CharField(_("reference"), max_length=100)
    version = models.PositiveIntegerField(_("version"))
    name_zh = models.CharField(_("name (Chinese)"), max_length=500, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    locale = models.CharField(_("language of the file"), max_length=8, default="en")
    source_name = models.CharField(_("file"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    builtin = models.BooleanField(_("shipped with ERPKeeper"), default=False)
    loaded_at = models.DateTimeField(_("loaded"))

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["ref_id"]

    def __str__(self) -> str:
        return f"{self.ref_id} · {self.name}"


class Requirement(BilingualMixin, models.Model):
    """A node of a framework's tree: a chapter (not assessable) or a requirement (assessable).
    A node that a newer version dropped is kept as ``retired`` so mappings and past results
    still name it."""

    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("framework"),
    )
    urn = models.CharField(_("URN"), max_length=255)
    ref_id = models.CharField(_("reference"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=1)
    assessable = models.BooleanField(_("assessable"), default=False)
    name_zh = models.CharField(_("name (Chinese)"), max_length=500, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=500, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "urn"], name="compliance_requirement_urn")
        ]

    def __str__(self) -> str:
        label = self.ref_id or self.name
        return f"{self.framework.ref_id} {label}" if self.ref_id else label


class FrameworkUpdate(models.Model):
    """法规更新: a newer version of a framework was loaded; what it added, removed and changed
    (lists of ``{"urn", "ref_id", "name", "fields"}``)."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="updates", verbose_name=_("framework")
    )
    from_version = models.PositiveIntegerField(_("from version"))
    to_version = models.PositiveIntegerField(_("to version"))
    added = models.JSONField(_("added"), default=list, blank=True)
    removed = models.JSONField(_("removed"), default=list, blank=True)
    changed = models.JSONField(_("changed"), default=list, blank=True)
    source_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    created = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("framework update")
        verbose_name_plural = _("framework updates")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.framework.ref_id} v{self.from_version} → v{self.to_version}"
