"""Looking after assets: licences, scheduled inspections with their checklists, the maintenance
log, the replacement plan, and the record of warranty and expiry notices already sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.assets.models.inventory import Asset, AssetKind


class SoftwareLicence(models.Model):
    """A software licence: seats, expiry, the hosts it covers. The key is stored encrypted
    (erpkeeper.lib.crypto) and never shown or returned; only administrators set it."""

    audit_redact = {"key_encrypted": None}

    product = models.CharField(_("product"), max_length=150)
    vendor = models.CharField(_("vendor"), max_length=100, blank=True)
    seats = models.PositiveIntegerField(_("seats"), default=1)
    expiry = models.DateField(_("expiry"), null=True, blank=True)
    hosts = models.ManyToManyField(
        Asset, verbose_name=_("hosts covered"), blank=True, related_name="licences"
    )
    key_encrypted = models.TextField(_("licence key (encrypted)"), blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("software licence")
        verbose_name_plural = _("software licences")
        ordering = ["product"]
        permissions = [("set_key_softwarelicence", _("Can set a licence key"))]

    def __str__(self):
        return f"{self.product} ({self.vendor})" if self.vendor else self.product

    @property
    def has_key(self) -> bool:
        return bool(self.key_encrypted)


class InspectionTemplate(models.Model):
    """A checklist (定期检查) run on assets of a kind every ``frequency_days``."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    asset_kind = models.CharField(
        _("for assets of kind"),
        max_length=16,
        blank=True,
        choices=AssetKind.choices,
        help_text=_("Empty: every kind."),
    )
    frequency_days = models.PositiveIntegerField(_("every (days)"), default=90)
    checklist = models.TextField(_("checklist"), help_text=_("One item a line."))

    class Meta:
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def items(self) -> list[str]:
        return [line.strip() for line in self.checklist.splitlines() if line.strip()]


class InspectionState(models.TextChoices):
    DUE = "due", _("Due")
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("inspection", "Issues found")


class Inspection(models.Model):
    """One inspection of an asset from a template, due on a date; done once its results are
    entered (failed when an item has an issue). Completing one schedules the next."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="inspections"
    )
    template = models.ForeignKey(
        InspectionTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    due_date = models.DateField(_("due"))
    state = models.CharField(
        _("state"), max_length=8, choices=InspectionState.choices, default=InspectionState.DUE
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["due_date", "asset__name"]

    def __str__(self):
        return f"{self.template} · {self.asset} · {self.due_date}"

    @property
    def overdue(self) -> bool:
        return self.state == InspectionState.DUE and self.due_date < timezone.localdate()


class ResultOutcome(models.TextChoices):
    OK = "ok", _("OK")
    ISSUE = "issue", _("Issue")


class InspectionResult(models.Model):
    """The outcome of one checklist item."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.CharField(_("item"), max_length=255)
    outcome = models.CharField(_("outcome"), max_length=8, choices=ResultOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["inspection", "pk"]

    def __str__(self):
        return f"{self.item}: {self.outcome}"


class MaintenanceKind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    PART = "part", _("Part replaced")
    UPGRADE = "upgrade", _("Upgrade")
    CLEANING = "cleaning", _("Cleaning")
    OTHER = "other", pgettext_lazy("maintenance kind", "Other")


class MaintenanceEntry(models.Model):
    """A line of an asset's maintenance log."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="maintenance"
    )
    date = models.DateField(_("date"), default=timezone.localdate)
    kind = models.CharField(
        _("kind"), max_length=10, choices=MaintenanceKind.choices, default=MaintenanceKind.REPAIR
    )
    note = models.TextField(_("note"))
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("maintenance entry")
        verbose_name_plural = _("maintenance entries")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.asset} {self.date}"


class PlanState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    ORDERED = "ordered", _("Ordered")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_PLAN_STATES = (PlanState.PROPOSED, PlanState.APPROVED, PlanState.ORDERED)


class ReplacementPlan(models.Model):
    """An asset to replace in a quarter (``2027Q1``) at an estimated cost; proposed by the
    health score or entered by hand."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="replacements"
    )
    quarter = models.CharField(_("quarter"), max_length=6, help_text=_("e.g. 2027Q1"))
    estimated_cost = models.DecimalField(
        _("estimated cost"), max_digits=12, decimal_places=2, default=0
    )
    state = models.CharField(
        _("state"), max_length=10, choices=PlanState.choices, default=PlanState.PROPOSED
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("replacement plan")
        verbose_name_plural = _("replacement plan")
        ordering = ["quarter", "asset__name"]

    def __str__(self):
        return f"{self.asset} → {self.quarter}"


class NoticeKind(models.TextChoices):
    WARRANTY = "warranty", _("Warranty ends")
    END_OF_LIFE = "eol", _("End of life")
    LICENCE = "licence", _("Licence expires")


class AssetNotice(models.Model):
    """A warranty, end-of-life or licence notice already posted to the outbox: each threshold
    (90, 30, 7 days) fires once per object and date, even after its message is resolved."""

    audit_exclude = True  # the outbox message is the record people see

    kind = models.CharField(_("kind"), max_length=8, choices=NoticeKind.choices)
    object_id = models.PositiveIntegerField(_("object"))
    due = models.DateField(_("date"))
    threshold_days = models.PositiveSmallIntegerField(_("days before"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("asset notice")
        verbose_name_plural = _("asset notices")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "due", "threshold_days"],
                name="assets_notice_once",
            )
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} {self.due} {self.threshold_days}"
