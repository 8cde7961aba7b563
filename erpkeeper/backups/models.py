"""Backup destinations, per-target policies, backups with their copies, restores and drills."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.core.runs import RunRecord, RunStatus
from erpkeeper.lib import crypto

# zstd level 1, not zstd's own default 3: on the large demo ERP's PostgreSQL dump level 1 wrote
# 77 MB against 84 MB at level 3, with about half the compression CPU (docs/benchmarks.md).
DEFAULT_COMPRESSION_LEVEL = 1


class StorageKind(models.TextChoices):
    LOCAL = "local", _("Local directory")
    S3 = "s3", _("S3-compatible object storage")


class RepositoryKind(models.TextChoices):
    ARTIFACT = "artifact", _("Full artifacts (each backup complete on its own)")
    RESTIC = "restic", _("Deduplicated restic repository")


class Destination(models.Model):
    """Where backups are stored: a directory or an S3-compatible bucket."""

    audit_redact = {"secret_access_key_encrypted": None, "restic_password_encrypted": None}
    audit_ignore_fields = {"last_checked", "last_check_ok", "last_check_error", "updated"}

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=StorageKind.choices)
    path = models.CharField(
        _("directory"), max_length=500, blank=True, help_text=_("Absolute path (local only).")
    )
    bucket = models.CharField(_("bucket"), max_length=255, blank=True)
    prefix = models.CharField(_("prefix"), max_length=255, blank=True)
    endpoint_url = models.CharField(
        _("endpoint URL"),
        max_length=500,
        blank=True,
        help_text=_("Empty for AWS; e.g. https://oss-cn-hangzhou.aliyuncs.com or a MinIO URL."),
    )
    region = models.CharField(_("region"), max_length=64, blank=True)
    access_key_id = models.CharField(_("access key ID"), max_length=255, blank=True)
    secret_access_key_encrypted = models.TextField(
        _("secret access key (encrypted)"), blank=True, editable=False
    )
    description = models.TextField(_("description"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    last_checked = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_check_ok = models.BooleanField(_("writable"), null=True, blank=True)
    last_check_error = models.CharField(_("last check error"), max_length=500, blank=True)
    # The password of the restic repository in this destination (its "restic" folder), made
    # on first use; without it the repository cannot be read: escrow it (docs/backups.md).
    restic_password_encrypted = models.TextField(
        _("restic repository password (encrypted)"), blank=True, editable=False
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("backup destination")
        verbose_name_plural = _("backup destinations")

    def __str__(self):
        return self.name

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_access_key_encrypted)

    def set_secret_access_key(self, secret: str) -> None:
        self.secret_access_key_encrypted = crypto.encrypt(secret) if secret else ""

    def storage_options(self) -> dict:
        """Options for ``open_storage``; holds the decrypted secret: never show or log them."""
        if self.kind == StorageKind.LOCAL:
            return {"path": self.path}
        options = {
            "bucket": self.bucket,
            "prefix": self.prefix,
            "endpoint_url": self.endpoint_url,
            "region": self.region,
            "access_key_id": self.access_key_id,
        }
        if self.secret_access_key_encrypted:
            options["secret_access_key"] = crypto.decrypt(self.secret_access_key_encrypted)
        return {key: value for key, value in options.items() if value}

    def location(self) -> str:
        if self.kind == StorageKind.LOCAL:
            return self.path
        endpoint = f" @ {self.endpoint_url}" if self.endpoint_url else ""
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/") + endpoint


class ScheduleMode(models.TextChoices):
    AUTO = "auto", _("Automatic off-peak hour")
    CRON = "cron", _("Cron expression")


class BackupPolicy(models.Model):
    """How one target is backed up, kept and tested."""

    audit_ignore_fields = {"auto_hour", "auto_hour_computed", "auto_hour_basis", "updated"}
    audit_redact = {"drill_database_url_encrypted": None}

    target = models.OneToOneField(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="backup_policy",
    )
    enabled = models.BooleanField(_("scheduled backups"), default=True)
    schedule_mode = models.CharField(
        _("schedule"), max_length=8, choices=ScheduleMode.choices, default=ScheduleMode.AUTO
    )
    cron = models.CharField(
        _("cron"),
        max_length=100,
        blank=True,
        help_text=_("minute hour day month weekday, in the server's time zone, e.g. 0 2 * * *"),
    )
    auto_hour = models.PositiveSmallIntegerField(
        _("off-peak hour"), null=True, blank=True, validators=[MaxValueValidator(23)]
    )
    auto_hour_computed = models.DateTimeField(_("off-peak hour computed"), null=True, blank=True)
    auto_hour_basis = models.CharField(_("off-peak hour basis"), max_length=255, blank=True)
    include_database = models.BooleanField(_("ERP database"), default=True)
    include_file_store = models.BooleanField(_("ERP file store"), default=True)
    include_platform = models.BooleanField(
        _("ERPKeeper's own database and settings"), default=False
    )
    keep_last = models.PositiveSmallIntegerField(_("keep last"), default=3)
    keep_daily = models.PositiveSmallIntegerField(_("keep daily"), default=7)
    keep_weekly = models.PositiveSmallIntegerField(_("keep weekly"), default=4)
    keep_monthly = models.PositiveSmallIntegerField(_("keep monthly"), default=6)
    keep_yearly = models.PositiveSmallIntegerField(_("keep yearly"), default=2)
    destination = models.ForeignKey(
        Destination,
        verbose_name=_("destination"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    offsite_destination = models.ForeignKey(
        Destination,
        verbose_name=_("off-site copy"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("A second destination, ideally elsewhere (the 1 in 3-2-1)."),
    )
    repository_kind = models.CharField(
        _("repository kind"),
        max_length=16,
        choices=RepositoryKind.choices,
        default=RepositoryKind.ARTIFACT,
        help_text=_(
            "Full artifacts: every backup a complete encrypted file set. Restic: unchanged data "
            "is stored once across backups and targets (needs the restic package)."
        ),
    )
    encrypt = models.BooleanField(_("encrypt"), default=True)
    compression_level = models.PositiveSmallIntegerField(
        _("compression level"),
        default=DEFAULT_COMPRESSION_LEVEL,
        validators=[MinValueValidator(1), MaxValueValidator(19)],
        help_text=_(
            "zstd level, from 1 (fastest) to 19 (smallest, slowest). ERP database dumps "
            "compress about as well at 1 as at 3, in less time."
        ),
    )
    parallel_jobs = models.PositiveSmallIntegerField(
        _("parallel jobs"), default=2, validators=[MinValueValidator(1), MaxValueValidator(16)]
    )
    verify_cron = models.CharField(
        _("verification schedule"), max_length=100, blank=True, default="30 6 * * *"
    )
    drill_enabled = models.BooleanField(_("scheduled drills"), default=True)
    drill_cron = models.CharField(
        _("drill schedule"), max_length=100, blank=True, default="0 5 * * 6"
    )
    drill_database_url_encrypted = models.TextField(
        _("drill server (encrypted)"), blank=True, editable=False
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("backup policy")
        verbose_name_plural = _("backup policies")

    def __str__(self):
        return _("Backup policy of %(target)s") % {"target": self.target}

    def backup_cron(self) -> str:
        if self.schedule_mode == ScheduleMode.CRON and self.cron:
            return self.cron
        hour = 2 if self.auto_hour is None else self.auto_hour
        return f"0 {hour} * * *"


class BackupTrigger(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MANUAL = "manual", _("Manual")
    SAFETY = "safety", _("Safety copy before a restore")


class BackupStatus(models.TextChoices):
    # A run's three states (RunStatus), then a succeeded backup's later life.
    RUNNING = RunStatus.RUNNING.value, RunStatus.RUNNING.label
    SUCCEEDED = RunStatus.SUCCEEDED.value, RunStatus.SUCCEEDED.label
    FAILED = RunStatus.FAILED.value, RunStatus.FAILED.label
    PRUNED = "pruned", _("Removed by retention")
    # Only when its target was removed with "delete its backups" chosen; the row stays as history.
    DELETED = "deleted", _("Deleted with its target")


class Backup(RunRecord):
    """One backup run. Succeeded only once every artifact is durable and its checksum re-read."""

    audit_ignore_fields = {"verified_at", "verify_ok", "verify_error", "stored_bytes", "raw_bytes"}

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="backups",
    )
    target_name = models.CharField(_("target name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=16, choices=BackupTrigger.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BackupStatus.choices,
        default=BackupStatus.RUNNING,
        db_index=True,
    )
    # Protected by the services while the backup holds data; history rows keep their location.
    destination = models.ForeignKey(
        Destination,
        verbose_name=_("destination"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    location = models.CharField(_("location"), max_length=500)
    encrypted = models.BooleanField(_("encrypted"), default=True)
    key_fingerprint = models.CharField(_("key fingerprint"), max_length=64, blank=True)
    raw_bytes = models.BigIntegerField(_("raw size"), default=0)
    stored_bytes = models.BigIntegerField(_("stored size"), default=0)
    manifest = models.JSONField(_("manifest"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verify_ok = models.BooleanField(_("verification passed"), null=True, blank=True)
    verify_error = models.TextField(_("verification error"), blank=True)
    repository_kind = models.CharField(
        _("repository kind"),
        max_length=16,
        choices=RepositoryKind.choices,
        default=RepositoryKind.ARTIFACT,
    )
    # restic only: the snapshot of the ERP database (each artifact's in the manifest) and the
    # bytes of new chunks this backup added after deduplication, as restic 0.14 counts them:
    # before its compression (the repository grows by less).
    snapshot_id = models.CharField(_("restic snapshot"), max_length=64, blank=True)
    added_bytes = models.BigIntegerField(_("bytes added"), default=0)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        # Restoring writes into databases: a right of its own, apart from changing rows.
        permissions = [("restore_backup", _("Can restore a backup"))]

    def __str__(self):
        return f"{self.target_name} #{self.pk} {self.started:%Y-%m-%d %H:%M}"


class CopyStatus(models.TextChoices):
    # A run's three states (RunStatus), then a copy's removal with its backup.
    RUNNING = RunStatus.RUNNING.value, RunStatus.RUNNING.label
    SUCCEEDED = RunStatus.SUCCEEDED.value, RunStatus.SUCCEEDED.label
    FAILED = RunStatus.FAILED.value, RunStatus.FAILED.label
    PRUNED = "pruned", _("Removed by retention")


class BackupCopy(RunRecord):
    """The off-site copy of a backup in a second destination: running while its objects are
    written, then succeeded, or failed with what it had written removed."""

    backup = models.ForeignKey(
        Backup, verbose_name=_("backup"), on_delete=models.CASCADE, related_name="copies"
    )
    destination = models.ForeignKey(
        Destination,
        verbose_name=_("destination"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CopyStatus.choices,
        default=CopyStatus.RUNNING,
        db_index=True,
    )
    stored_bytes = models.BigIntegerField(_("stored size"), default=0)

    class Meta:
        ordering = ["backup", "destination"]
        verbose_name = _("off-site copy")
        verbose_name_plural = _("off-site copies")

    def __str__(self):
        return f"{self.backup} → {self.destination}"


class Restore(RunRecord):
    """One restore of a backup into a database (new by default, or over the original)."""

    backup = models.ForeignKey(
        Backup, verbose_name=_("backup"), on_delete=models.PROTECT, related_name="restores"
    )
    destination_masked = models.CharField(_("restored into"), max_length=500)
    replace = models.BooleanField(_("replaced the original"), default=False)
    warnings = models.JSONField(
        _("warnings"),
        default=list,
        blank=True,
        help_text=_(
            "What the restore had to adapt: owners and grants of roles the destination lacks, "
            "scheduled events disabled in a copy."
        ),
    )
    safety_backup = models.ForeignKey(
        Backup,
        verbose_name=_("safety backup"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-started"]
        verbose_name = _("restore")
        verbose_name_plural = _("restores")

    def __str__(self):
        return f"{self.backup} → {self.destination_masked}"


class Drill(RunRecord):
    """A disaster-recovery drill: the newest backup restored, checked and timed; the evidence."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="drills",
    )
    target_name = models.CharField(_("target name"), max_length=100)
    backup = models.ForeignKey(
        Backup,
        verbose_name=_("backup"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drills",
    )
    rto_seconds = models.FloatField(_("measured RTO (s)"), null=True, blank=True)
    rpo_seconds = models.FloatField(_("achieved RPO (s)"), null=True, blank=True)
    rto_target_seconds = models.PositiveIntegerField(_("RTO objective (s)"))
    rpo_target_seconds = models.PositiveIntegerField(_("RPO objective (s)"))
    checks = models.JSONField(_("checks"), default=list, blank=True)
    report_html = models.TextField(_("report"), blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("recovery drill")
        verbose_name_plural = _("recovery drills")

    def __str__(self):
        return f"{self.target_name} {self.started:%Y-%m-%d %H:%M}"

    @property
    def verdict(self) -> str:
        """The status in a drill's own words: one that succeeded "passed" (console, report)."""
        if self.status == RunStatus.SUCCEEDED:
            return str(_("Passed"))
        return self.get_status_display()

    @property
    def rto_met(self) -> bool | None:
        if self.rto_seconds is None:
            return None
        return self.rto_seconds <= self.rto_target_seconds

    @property
    def rpo_met(self) -> bool | None:
        if self.rpo_seconds is None:
            return None
        return self.rpo_seconds <= self.rpo_target_seconds
