"""Models of governance.privacy (imported by erpkeeper.governance.models): scans of an ERP's
database for personal data, what each found per column, and retention rules per category.

No model here has a field for a value read from the ERP: a finding is a column and counts.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunRecord
from erpkeeper.governance.privacy.detectors import Category, Confidence

DEFAULT_SAMPLE_SIZE = 200
MAX_SAMPLE_SIZE = 100_000


class PrivacyScan(RunRecord):
    """One scan of a target's ERP database for personal data (sampled or full)."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="privacy_scans",
    )
    target_name = models.CharField(_("target name"), max_length=100, db_index=True)
    sample_size = models.PositiveIntegerField(
        _("sample size per column"),
        default=DEFAULT_SAMPLE_SIZE,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SAMPLE_SIZE)],
    )
    full = models.BooleanField(_("full scan"), default=False)
    tables_scanned = models.PositiveIntegerField(_("tables scanned"), default=0)
    columns_scanned = models.PositiveIntegerField(_("columns scanned"), default=0)
    values_read = models.PositiveBigIntegerField(_("values read"), default=0)
    bytes_read = models.PositiveBigIntegerField(_("bytes read"), default=0)
    findings_count = models.PositiveIntegerField(_("findings"), default=0)

    class Meta:
        verbose_name = _("personal-data scan")
        verbose_name_plural = _("personal-data scans")
        ordering = ["-started"]

    def __str__(self):
        return f"{self.target_name} #{self.pk}"


class ColumnFinding(models.Model):
    """One personal-data category found in one column by one scan: counts only."""

    audit_exclude = True  # observations, written only with their scan, which is recorded

    scan = models.ForeignKey(
        PrivacyScan, verbose_name=_("scan"), on_delete=models.CASCADE, related_name="findings"
    )
    table = models.CharField(_("table"), max_length=128)
    column = models.CharField(_("column"), max_length=128)
    model = models.CharField(_("ERP model"), max_length=128, blank=True)
    field = models.CharField(_("ERP field"), max_length=128, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    matched = models.PositiveIntegerField(_("values matched"))
    sampled = models.PositiveIntegerField(_("values read"))
    non_empty = models.PositiveBigIntegerField(_("rows with a value"), default=0)
    match_rate = models.FloatField(_("match rate"))
    rows_affected = models.PositiveBigIntegerField(_("rows affected (estimate)"))
    hinted = models.BooleanField(_("column name suggests it"), default=False)
    labelled = models.BooleanField(_("rows label it"), default=False)
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices)
    # Rows of the table older than the category's retention rule at scan time; None when no
    # rule applies or the table has no such date column.
    rows_past_retention = models.PositiveBigIntegerField(
        _("rows past retention"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("personal-data finding")
        verbose_name_plural = _("personal-data findings")
        ordering = ["scan", "table", "column", "category"]

    def __str__(self):
        return f"{self.table}.{self.column}: {self.get_category_display()}"


class RetentionRule(models.Model):
    """How long rows holding one category of personal data may be kept, judged by a date
    column (``create_date`` by default), for every ERP model or one."""

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    model = models.CharField(
        _("ERP model"),
        max_length=128,
        blank=True,
        help_text=_("Only this ERP model (e.g. party.contact_mechanism); empty for every model."),
    )
    days = models.PositiveIntegerField(
        _("retention days"), validators=[MinValueValidator(1), MaxValueValidator(36_500)]
    )
    date_column = models.CharField(
        _("date column"),
        max_length=128,
        default="create_date",
        help_text=_("The column whose date starts the retention period."),
    )
    note = models.CharField(_("legal basis or note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["category", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "model"], name="governance_retention_category_model"
            )
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.model or '*'}: {self.days}"
