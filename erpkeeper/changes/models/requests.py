"""Change requests: templates, the request with its plans and checklist, the advisory board's
approvals, safety backups, and the blackout windows that freeze every change."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeType(models.TextChoices):
    STANDARD = "standard", _("Standard (pre-approved)")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    IMPLEMENTED = "implemented", _("Implemented")
    FAILED = "failed", _("Failed")
    BACKED_OUT = "backed_out", _("Backed out")
    REVIEWED = "reviewed", _("Reviewed")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    """How an implementation ended (the state it leads to)."""

    IMPLEMENTED = "implemented", _("Implemented")
    FAILED = "failed", _("Failed")
    BACKED_OUT = "backed_out", _("Backed out")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class GoNoGo(models.TextChoices):
    """The go/no-go slot a rehearsal or a patch plan fills in (issue 16, sections 4 and 5)."""

    UNDECIDED = "", _("Not decided")
    GO = "go", _("Go")
    NO_GO = "no_go", _("No go")


class ChangeTemplate(models.Model):
    """A pre-approved standard change: its plans and checklist are copied into each change."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    backout_plan = models.TextField(_("backout plan"), blank=True)
    checklist = models.JSONField(
        _("checklist"), default=list, blank=True, help_text=_("A list of steps, one per entry.")
    )
    # The board assessed the template once: its changes carry these answers.
    risk_answers = models.JSONField(_("risk answers"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("change template")
        verbose_name_plural = _("change templates")

    def __str__(self):
        return self.name


class AdvisoryBoard(models.Model):
    """The change advisory board (CAB): members are the users of its roles; a normal change is
    approved once ``quorum`` of them approved it. The first board is the one used."""

    name = models.CharField(_("name"), max_length=100, default="CAB")
    roles = models.JSONField(
        _("roles"), default=list, help_text=_("Platform roles whose users sit on the board.")
    )
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("change advisory board")
        verbose_name_plural = _("change advisory boards")

    def __str__(self):
        return self.name


class ChangeRequest(models.Model):
    """One change to one or more ERP targets, from draft to closed (services.requests holds the
    state machine)."""

    number = models.CharField(_("number"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    change_type = models.CharField(
        _("type"), max_length=16, choices=ChangeType.choices, default=ChangeType.NORMAL
    )
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=ChangeState.choices,
        default=ChangeState.DRAFT,
        db_index=True,
    )
    template = models.ForeignKey(
        ChangeTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    targets = models.ManyToManyField(
        "targets.Target", verbose_name=_("affected targets"), related_name="changes", blank=True
    )
    # TODO(assets): a many-to-many to assets.Asset once that app is merged.
    affected_assets = models.TextField(_("affected assets"), blank=True)
    risk_answers = models.JSONField(_("risk answers"), default=dict, blank=True)
    risk_score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    risk_level = models.CharField(
        _("risk"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW
    )
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    backout_plan = models.TextField(_("backout plan"), blank=True)
    requires_green_run = models.BooleanField(
        _("requires a green CI run"),
        default=False,
        help_text=_("Approval is refused while the change's latest CI run is red or missing."),
    )
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("approved or rejected"), null=True, blank=True)
    # An emergency change implemented before the board approved it stays flagged until it does.
    awaiting_approval_after_fact = models.BooleanField(
        _("awaiting approval after the fact"), default=False
    )
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    implementation_notes = models.TextField(_("implementation notes"), blank=True)
    review_success = models.BooleanField(_("successful"), null=True, blank=True)
    review_issues = models.TextField(_("issues"), blank=True)
    review_lessons = models.TextField(_("lessons learned"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Filled by an upgrade rehearsal or a patch plan (later): their verdict before approval.
    go_no_go = models.CharField(
        _("go / no go"), max_length=8, choices=GoNoGo.choices, default=GoNoGo.UNDECIDED, blank=True
    )
    go_no_go_note = models.TextField(_("go / no go reason"), blank=True)
    go_no_go_at = models.DateTimeField(_("go / no go decided"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("change request")
        verbose_name_plural = _("change requests")
        permissions = [("approve_changerequest", _("Can approve or reject change requests"))]

    def __str__(self):
        return f"{self.number} {self.title}"


class ChecklistItem(models.Model):
    """One step to tick off while implementing a change."""

    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.CASCADE,
        related_name="checklist",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("step"), max_length=500)
    done = models.BooleanField(_("done"), default=False)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["change", "position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self):
        return self.text


class Approval(models.Model):
    """One board member's decision on a change (one per member and change)."""

    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.CASCADE,
        related_name="approvals",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=64, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided"))
    after_the_fact = models.BooleanField(_("after the fact"), default=False)

    class Meta:
        ordering = ["change", "decided_at"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["change", "approver"], name="changes_one_vote")
        ]

    def __str__(self):
        return f"{self.change.number} {self.approver} {self.decision}"


class SafetyBackup(models.Model):
    """The backup of one target taken before a change's window opens (a backups job)."""

    change = models.ForeignKey(
        ChangeRequest,
        verbose_name=_("change"),
        on_delete=models.CASCADE,
        related_name="safety_backups",
    )
    target = models.ForeignKey(
        "targets.Target", verbose_name=_("target"), on_delete=models.CASCADE, related_name="+"
    )
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("job"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))

    class Meta:
        ordering = ["change", "target"]
        verbose_name = _("safety backup")
        verbose_name_plural = _("safety backups")
        constraints = [
            models.UniqueConstraint(fields=["change", "target"], name="changes_one_safety_backup")
        ]

    def __str__(self):
        return f"{self.change.number} {self.target}"


class BlackoutWindow(models.Model):
    """A freeze: no change may be scheduled into it (month-end close, the Spring Festival)."""

    name = models.CharField(_("name"), max_length=200)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    all_targets = models.BooleanField(_("all targets"), default=True)
    targets = models.ManyToManyField(
        "targets.Target", verbose_name=_("targets"), related_name="blackout_windows", blank=True
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("blackout window")
        verbose_name_plural = _("blackout windows")

    def __str__(self):
        return self.name
