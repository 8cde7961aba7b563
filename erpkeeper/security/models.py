"""Access snapshots of ERP targets, their stored documents, ERPKeeper's login history of ERP
users, SoD rule sets, mitigating controls and accepted exceptions; the access review campaigns
live in review_models.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunRecord
from erpkeeper.security import document as documents
from erpkeeper.security.review_models import (  # noqa: F401  (models of this app)
    Campaign,
    CampaignStatus,
    Decision,
    GroupOwner,
    ItemVia,
    RemediationRequest,
    RemediationState,
    ReviewerMode,
    ReviewItem,
)
from erpkeeper.security.sod.rules import RuleSetError, parse_ruleset


class AccessDocument(models.Model):
    """A snapshot document, stored once per distinct content: consecutive snapshots of an
    unchanged ERP point at the same row (content-addressed by its SHA-256)."""

    audit_exclude = True  # written only with its snapshot, which is recorded
    content_hash = models.CharField(_("content hash"), max_length=64, unique=True)
    data = models.BinaryField(_("compressed document"))
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("access document")
        verbose_name_plural = _("access documents")

    def __str__(self):
        return self.content_hash[:12]

    def load(self) -> dict:
        return documents.unpack(self.data)


class AccessSnapshot(RunRecord):
    """One reading of who may do what in a target's ERP; counts kept as columns for lists."""

    audit_ignore_fields = {"progress"}

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_snapshots",
    )
    target_name = models.CharField(_("target name"), max_length=100)
    document = models.ForeignKey(
        AccessDocument,
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="snapshots",
    )
    unchanged = models.BooleanField(
        _("unchanged"), default=False, help_text=_("Same content as the previous snapshot.")
    )
    users = models.PositiveIntegerField(_("users"), default=0)
    active_users = models.PositiveIntegerField(_("active users"), default=0)
    administrators = models.PositiveIntegerField(_("administrators"), default=0)
    groups = models.PositiveIntegerField(_("groups"), default=0)
    roles = models.PositiveIntegerField(_("roles"), default=0)
    model_access = models.PositiveIntegerField(_("model access rows"), default=0)
    api_keys = models.PositiveIntegerField(_("API keys"), default=0)
    conflicts = models.PositiveIntegerField(_("SoD conflicts"), null=True, blank=True)
    users_in_conflict = models.PositiveIntegerField(_("users in conflict"), null=True, blank=True)
    critical_conflicts = models.PositiveIntegerField(_("critical conflicts"), null=True, blank=True)
    changes = models.PositiveIntegerField(
        _("important changes"), null=True, blank=True, help_text=_("Since the previous snapshot.")
    )
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("access snapshot")
        verbose_name_plural = _("access snapshots")

    def __str__(self):
        return f"{self.target_name} #{self.pk} {self.started:%Y-%m-%d %H:%M}"

    def load(self) -> dict:
        if self.document is None:
            raise ValueError(_("snapshot %(id)s holds no document") % {"id": self.pk})
        return self.document.load()


class LoginSighting(models.Model):
    """An ERP user seen signed in from an address: kept by ERPKeeper because Tryton forgets its
    sessions after 30 days (and at logout)."""

    audit_exclude = True  # observations, not configuration
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="login_sightings",
    )
    login = models.CharField(_("login"), max_length=150)
    address = models.CharField(_("address"), max_length=64, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("login sighting")
        verbose_name_plural = _("login sightings")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "login", "address"], name="security_sighting_unique"
            )
        ]

    def __str__(self):
        return f"{self.login}@{self.address or '?'}"


class RuleSet(models.Model):
    """A SoD rule set's YAML text; checked on save, so a broken text is never stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    erp_kind = models.CharField(_("ERP kind"), max_length=32, default="tryton")
    version = models.PositiveIntegerField(_("version"), default=1)
    text = models.TextField(_("YAML text"))
    active = models.BooleanField(
        _("active"), default=True, help_text=_("The active rule set of an ERP kind is used.")
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SoD rule set")
        verbose_name_plural = _("SoD rule sets")

    def __str__(self):
        return f"{self.name} v{self.version}"

    def clean(self):
        try:
            parsed = parse_ruleset(self.text, self.name or "rule set")
        except RuleSetError as exc:
            raise ValidationError({"text": exc.errors}) from None
        self.name = self.name or parsed.name
        self.version, self.erp_kind = parsed.version, parsed.erp

    def parsed(self):
        return parse_ruleset(self.text, self.name)


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class MitigatingControl(models.Model):
    """A control that lowers a risk where it cannot be separated (a monthly review of the
    payments run by the purchasing officer); it stops counting when it expires."""

    risk = models.CharField(_("risk"), max_length=64, help_text=_("Risk id, e.g. P2P-02."))
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty: every target."),
    )
    login = models.CharField(
        _("ERP login"), max_length=150, blank=True, help_text=_("Empty: every user.")
    )
    owner = models.CharField(_("owner"), max_length=150)
    description = models.TextField(_("description"))
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    expires = models.DateField(_("expires"), null=True, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["risk", "login"]
        verbose_name = _("mitigating control")
        verbose_name_plural = _("mitigating controls")

    def __str__(self):
        return f"{self.risk} {self.login or '*'}: {self.owner}"


class AcceptedException(models.Model):
    """A conflict accepted for a while, with the reason and who accepted it."""

    risk = models.CharField(_("risk"), max_length=64)
    target = models.ForeignKey("targets.Target", verbose_name=_("target"), on_delete=models.CASCADE)
    login = models.CharField(_("ERP login"), max_length=150)
    reason = models.TextField(_("reason"))
    accepted_by = models.CharField(_("accepted by"), max_length=150)
    expires = models.DateField(_("expires"))
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("accepted exception")
        verbose_name_plural = _("accepted exceptions")

    def __str__(self):
        return f"{self.risk} {self.login} ({self.expires})"


class FindingKind(models.TextChoices):
    DORMANT = "dormant", _("Dormant account")
    NEVER_LOGGED_IN = "never_logged_in", _("Never logged in")
    EXCESS_ADMINISTRATOR = "excess_administrator", _("Administrators beyond the limit")
    GENERIC_LOGIN = "generic_login", _("Generic or shared login")
    EMPLOYEE_LEFT = "employee_left", _("Active after the employee left")
    EXPIRED_ROLE_GROUPS = "expired_role_groups", _("Keeps the groups of an expired role")
    CHECK = "check", _("Security check")


class FindingSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class FindingState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    FIXED = "fixed", _("Fixed")


ACCOUNT_KINDS = [kind for kind in FindingKind.values if kind != FindingKind.CHECK]


class Finding(models.Model):
    """A risky account or a failed security check of a target. Computed again after every
    snapshot (accounts) or check run (checks): one that is no longer found becomes fixed, so
    "fixed" is always verified by a later reading, never declared."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="security_findings",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=FindingKind.choices)
    check_id = models.CharField(_("check"), max_length=32, blank=True)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("The ERP login or object concerned.")
    )
    severity = models.CharField(_("severity"), max_length=16, choices=FindingSeverity.choices)
    detail = models.TextField(_("detail"), blank=True)
    owner = models.CharField(_("owner"), max_length=150, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=FindingState.choices, default=FindingState.OPEN
    )
    reason = models.TextField(_("reason for accepting"), blank=True)
    accepted_by = models.CharField(_("accepted by"), max_length=150, blank=True)
    expires = models.DateField(_("acceptance expires"), null=True, blank=True)
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)

    class Meta:
        ordering = ["state", "-last_seen"]
        verbose_name = _("security finding")
        verbose_name_plural = _("security findings")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "kind", "check_id", "subject"], name="security_finding_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.check_id or self.subject}"


class SecurityCheckRun(RunRecord):
    """One run of the security checks of a target: its score (100 minus weighted failures)
    and each check's outcome."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="security_check_runs",
    )
    target_name = models.CharField(_("target name"), max_length=100)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    passed = models.PositiveSmallIntegerField(_("passed"), default=0)
    failed = models.PositiveSmallIntegerField(_("failed"), default=0)
    results = models.JSONField(_("results"), default=list, blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("security check run")
        verbose_name_plural = _("security check runs")

    def __str__(self):
        return f"{self.target_name} #{self.pk} {self.started:%Y-%m-%d %H:%M}"


class TrytonConfigFile(models.Model):
    """Where a target's trytond.conf is, on the machine ERPKeeper runs on (a mount or a copy):
    the security checks read its password policy and session settings when it is readable."""

    target = models.OneToOneField(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="tryton_config_file",
    )
    path = models.CharField(
        _("path of trytond.conf"),
        max_length=500,
        help_text=_("Read only by the security checks; the file is never changed."),
    )

    class Meta:
        verbose_name = _("Tryton configuration file")
        verbose_name_plural = _("Tryton configuration files")

    def __str__(self):
        return self.path
