"""What evaluating controls produced: one result per control and target (or platform-wide),
the manual evidence and exceptions that count in it, and assessments of a framework."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.governance.compliance.models.controls import Control
from erpkeeper.governance.compliance.models.library import Framework
from erpkeeper.lib.evidence import EvidenceStatus


class ControlResult(models.Model):
    """A control judged for one target (``target`` empty: platform-wide) over a period, with
    the evidence behind the judgement (``evidence``: one item per collector, with dates)."""

    control = models.ForeignKey(
        Control, on_delete=models.CASCADE, related_name="results", verbose_name=_("control")
    )
    target = models.ForeignKey(
        "targets.Target",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="compliance_results",
        verbose_name=_("target"),
    )
    status = models.CharField(_("status"), max_length=16, choices=EvidenceStatus.choices)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    evaluated_at = models.DateTimeField(_("evaluated"), db_index=True)

    class Meta:
        verbose_name = _("control result")
        verbose_name_plural = _("control results")
        ordering = ["-evaluated_at", "control"]
        indexes = [models.Index(fields=["control", "-evaluated_at"])]

    def __str__(self) -> str:
        return f"{self.control.ref} {self.get_status_display()}"


def evidence_storage() -> FileSystemStorage:
    """Uploaded evidence lives under ERPKEEPER_HOME, outside any served folder; the console and
    the API read it only through the platform's permissions."""
    return FileSystemStorage(location=Path(settings.HOME) / "compliance" / "evidence")


class ManualEvidence(models.Model):
    """A file someone uploaded as evidence for a control; it counts until ``valid_until``."""

    control = models.ForeignKey(
        Control, on_delete=models.CASCADE, related_name="manual_evidence", verbose_name=_("control")
    )
    file = models.FileField(_("file"), upload_to="%Y/%m/", storage=evidence_storage)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    note = models.TextField(_("note"), blank=True)
    valid_until = models.DateField(_("valid until"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("manual evidence")
        verbose_name_plural = _("manual evidence")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.file_name


class ControlException(models.Model):
    """A control accepted as not met, by its owner, for a reason, until ``expires_on``; while
    it holds, the control is "not applicable" instead of failing."""

    control = models.ForeignKey(
        Control, on_delete=models.CASCADE, related_name="exceptions", verbose_name=_("control")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    reason = models.TextField(_("reason"))
    expires_on = models.DateField(_("expires on"))
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("control exception")
        verbose_name_plural = _("control exceptions")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.control.ref} → {self.expires_on}"


class Assessment(models.Model):
    """A framework's readiness over a period: the share of its assessable requirements whose
    controls pass, with each requirement's status (``statuses``: urn -> status)."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("framework")
    )
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    score = models.FloatField(_("readiness (%)"))
    counts = models.JSONField(_("requirements by status"), default=dict)
    statuses = models.JSONField(_("status per requirement"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("assessed"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.framework.ref_id} {self.score:.0f}%"
