"""Controls: what the organisation does to meet requirements (one control may serve 等保, ISO and
PIPL at once), which evidence collectors judge it, and the review tasks a regulation update
raises on the controls it touches."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.governance.compliance.models.library import FrameworkUpdate, Requirement
from erpkeeper.governance.compliance.models.texts import BilingualMixin


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class Control(BilingualMixin, models.Model):
    """A control with the collectors (``EvidenceCollector.key``s) whose evidence judges it; a
    control without collectors is judged by its manual evidence uploads only."""

    ref = models.CharField(_("reference"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="compliance_controls",
        verbose_name=_("owner"),
    )
    collectors = models.JSONField(_("evidence collectors"), default=list, blank=True)
    frequency = models.CharField(
        _("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    requirements = models.ManyToManyField(
        Requirement, related_name="controls", blank=True, verbose_name=_("requirements")
    )
    builtin = models.BooleanField(_("shipped with ERPKeeper"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("control")
        verbose_name_plural = _("controls")
        ordering = ["ref"]

    def __str__(self) -> str:
        return f"{self.ref} · {self.name}"


class ControlReview(models.Model):
    """A task to review a control because a framework update changed or removed a requirement
    it is mapped to (``requirements``: ``{"urn", "ref_id", "change"}`` items)."""

    control = models.ForeignKey(
        Control, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("control")
    )
    update = models.ForeignKey(
        FrameworkUpdate,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("framework update"),
    )
    requirements = models.JSONField(_("requirements"), default=list)
    status = models.CharField(
        _("status"), max_length=8, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("control review")
        verbose_name_plural = _("control reviews")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.control.ref} ← {self.update}"
