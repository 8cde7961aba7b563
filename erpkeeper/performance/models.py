"""The performance advisor's records: check runs, findings, query statistics, index suggestions
and their proofs on a restored copy.

A finding is keyed by (target, check, subject): the same problem seen by the next run is the same
row (last seen moves on); a problem no later run sees is marked fixed by that run.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunRecord


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    WARNING = "warning", _("Warning")
    INFO = "info", _("Information")


SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}


class FindingState(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    FIXED = "fixed", _("Fixed")


class SuggestionState(models.TextChoices):
    OPEN = "open", _("Not proven yet")
    PROVEN = "proven", _("Proven faster")
    NOT_HELPFUL = "not_helpful", _("No measurable gain")


class CheckRun(RunRecord):
    """One pass of the database checks over a target."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="performance_runs",
    )
    target_name = models.CharField(_("target name"), max_length=100, db_index=True)
    engine = models.CharField(_("database engine"), max_length=16, blank=True)
    findings_count = models.PositiveIntegerField(_("findings"), default=0)
    queries_count = models.PositiveIntegerField(_("queries"), default=0)
    # One entry per check: {"check", "seconds", "error"}; an error names a check that could
    # not run (a missing privilege, a timeout), never a pass.
    checks = models.JSONField(_("checks"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    class Meta:
        verbose_name = _("performance check run")
        verbose_name_plural = _("performance check runs")
        ordering = ["-started"]

    def __str__(self):
        return f"{self.target_name} #{self.pk}"


class Finding(models.Model):
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="performance_findings",
    )
    check_id = models.CharField(_("check"), max_length=64, db_index=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    severity = models.CharField(
        _("severity"), max_length=16, choices=Severity.choices, default=Severity.WARNING
    )
    numbers = models.JSONField(_("numbers"), default=dict, blank=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=FindingState.choices,
        default=FindingState.OPEN,
        db_index=True,
    )
    accepted_reason = models.TextField(_("reason for accepting"), blank=True)
    accepted_until = models.DateTimeField(_("accepted until"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_seen = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    last_run = models.ForeignKey(
        CheckRun,
        verbose_name=_("last run"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    fixed_run = models.ForeignKey(
        CheckRun,
        verbose_name=_("verified fixed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("performance finding")
        verbose_name_plural = _("performance findings")
        ordering = ["state", "-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "check_id", "subject"], name="performance_finding_once"
            )
        ]

    def __str__(self):
        return f"{self.check_id} {self.subject}".strip()


class QueryStat(models.Model):
    """One normalised query as a check run saw it (a snapshot: each run writes its own)."""

    run = models.ForeignKey(
        CheckRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="queries"
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="performance_queries",
    )
    fingerprint = models.CharField(_("fingerprint"), max_length=16, db_index=True)
    text = models.TextField(_("normalised text"))
    sample = models.TextField(_("sample with values"), blank=True)
    source = models.CharField(_("source"), max_length=32)
    calls = models.BigIntegerField(_("calls"), default=0)
    total_ms = models.FloatField(_("total time (ms)"), default=0)
    mean_ms = models.FloatField(_("mean time (ms)"), default=0)
    rows = models.BigIntegerField(_("rows"), default=0)
    cache_hit_ratio = models.FloatField(_("cache hit ratio"), null=True, blank=True)
    tables = models.JSONField(_("tables"), default=list, blank=True)
    # [{"table", "model", "name"}]: the ERP models behind the tables, from the adapter.
    models_used = models.JSONField(_("ERP models"), default=list, blank=True)

    class Meta:
        verbose_name = _("query statistic")
        verbose_name_plural = _("query statistics")
        ordering = ["-total_ms"]

    def __str__(self):
        return self.text[:80]


class IndexSuggestion(models.Model):
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="index_suggestions",
    )
    fingerprint = models.CharField(_("query fingerprint"), max_length=16, db_index=True)
    query_text = models.TextField(_("query"))
    sample = models.TextField(_("sample with values"), blank=True)
    table = models.CharField(_("table"), max_length=128)
    columns = models.JSONField(_("columns"), default=list)
    # "table(a,b)": the index wanted, one suggestion per target however many queries want it.
    key = models.CharField(_("index"), max_length=255)
    model = models.CharField(_("ERP model"), max_length=128, blank=True)
    ddl = models.TextField(_("suggested DDL"))
    reason = models.JSONField(_("reason"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=SuggestionState.choices, default=SuggestionState.OPEN
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("index suggestion")
        verbose_name_plural = _("index suggestions")
        ordering = ["-updated"]
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="performance_suggestion_once")
        ]

    def __str__(self):
        return f"{self.table} ({', '.join(self.columns)})"


class IndexProof(RunRecord):
    """The suggested index tried on a scratch copy restored from the newest backup."""

    suggestion = models.ForeignKey(
        IndexSuggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="proofs",
    )
    target_name = models.CharField(_("target name"), max_length=100)
    # A link between domains is a foreign key (the backup restored into the scratch copy).
    backup = models.ForeignKey(
        "backups.Backup",
        verbose_name=_("backup restored"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    before_ms = models.JSONField(_("times before (ms)"), default=list, blank=True)
    after_ms = models.JSONField(_("times after (ms)"), default=list, blank=True)
    before_median_ms = models.FloatField(_("median before (ms)"), null=True, blank=True)
    after_median_ms = models.FloatField(_("median after (ms)"), null=True, blank=True)
    speedup = models.FloatField(_("speed-up"), null=True, blank=True)
    plan_before = models.TextField(_("plan before"), blank=True)
    plan_after = models.TextField(_("plan after"), blank=True)
    cost_before = models.FloatField(_("plan cost before"), null=True, blank=True)
    cost_after = models.FloatField(_("plan cost after"), null=True, blank=True)
    index_bytes = models.BigIntegerField(_("index size (bytes)"), null=True, blank=True)
    query_run = models.TextField(_("query run"), blank=True)
    helps = models.BooleanField(_("helps"), null=True, blank=True)

    class Meta:
        verbose_name = _("index proof")
        verbose_name_plural = _("index proofs")
        ordering = ["-started"]

    def __str__(self):
        return f"{self.suggestion} #{self.pk}"


class CodeFolder(models.Model):
    """A folder of a target's custom ERP modules on the ERPKeeper host (a Tryton module, or a
    folder with modules in it), reviewed by the code review."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="code_folders",
    )
    path = models.CharField(_("module folder"), max_length=500)
    added = models.DateTimeField(_("date added"), default=timezone.now)

    class Meta:
        verbose_name = _("custom module folder")
        verbose_name_plural = _("custom module folders")
        ordering = ["target__name", "path"]
        constraints = [
            models.UniqueConstraint(fields=["target", "path"], name="performance_code_folder_once")
        ]

    def __str__(self):
        return self.path


class CodeReview(RunRecord):
    """One review of a target's custom modules: complexity, dead code, lint, repeated code,
    sizes and Tryton checks, summed up per module (CodeModule) with a score."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="code_reviews",
    )
    target_name = models.CharField(_("target name"), max_length=100, db_index=True)
    folders = models.JSONField(_("module folders reviewed"), default=list, blank=True)
    modules_count = models.PositiveIntegerField(_("modules reviewed"), default=0)
    # The modules' scores weighted by their logical lines; None when no module was reviewed.
    score = models.FloatField(_("score"), null=True, blank=True)
    counts = models.JSONField(_("counts found"), default=dict, blank=True)
    worst = models.JSONField(_("worst functions"), default=list, blank=True)
    # {"msgid", "params"}: bad paths, unreadable files, syntax errors, missing tools, time limit.
    notes = models.JSONField(_("notes"), default=list, blank=True)
    tools = models.JSONField(_("tool versions"), default=dict, blank=True)

    class Meta:
        verbose_name = _("code review")
        verbose_name_plural = _("code reviews")
        ordering = ["-started"]

    def __str__(self):
        return f"{self.target_name} #{self.pk}"


class CodeModule(models.Model):
    """One Tryton module (a folder with tryton.cfg) as one code review saw it."""

    audit_exclude = True  # observations, written only with their review, which is recorded

    review = models.ForeignKey(
        CodeReview, verbose_name=_("code review"), on_delete=models.CASCADE, related_name="modules"
    )
    name = models.CharField(_("Tryton module"), max_length=100)
    path = models.CharField(_("module folder"), max_length=500)
    files = models.PositiveIntegerField(_("Python files"), default=0)
    lines = models.PositiveIntegerField(_("lines of code"), default=0)
    lloc = models.PositiveIntegerField(_("logical lines"), default=0)
    functions = models.PositiveIntegerField(_("functions and methods"), default=0)
    maintainability = models.FloatField(_("maintainability index"), null=True, blank=True)
    score = models.FloatField(_("score"), default=100)
    counts = models.JSONField(_("counts found"), default=dict, blank=True)
    worst = models.JSONField(_("worst functions"), default=list, blank=True)
    largest_files = models.JSONField(_("largest files"), default=list, blank=True)
    # {"check", "code", "file", "line", "message"}, the first 300.
    issues = models.JSONField(_("issues found"), default=list, blank=True)

    class Meta:
        verbose_name = _("reviewed module")
        verbose_name_plural = _("reviewed modules")
        ordering = ["score", "name"]

    def __str__(self):
        return self.name
