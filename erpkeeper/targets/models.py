"""ERP instances under care and their maintenance windows."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib import crypto, dburl
from erpkeeper.targets.windows import WindowSpec


class Environment(models.TextChoices):
    PRODUCTION = "production", _("Production")
    STAGING = "staging", _("Staging")
    TEST = "test", _("Test")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Target(models.Model):
    """An ERP instance under care: where its database and files are, and what it must achieve."""

    # The ciphertext is never worth showing; the audit trail records the masked URL instead.
    audit_redact = {"database_url_encrypted": "database_url_masked"}
    # Check results are observations, not changes of configuration: the job row records them.
    audit_ignore_fields = {"last_checked", "last_check_ok", "last_check_error", "facts", "updated"}

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("ERP kind"), max_length=32, default="tryton")
    database_url_encrypted = models.TextField(_("database URL (encrypted)"), editable=False)
    database_url_masked = models.CharField(_("database URL"), max_length=500, editable=False)
    database_engine = models.CharField(_("database engine"), max_length=16, editable=False)
    file_store_path = models.CharField(_("file store path"), max_length=500, blank=True)
    host_name = models.CharField(_("host name"), max_length=255, blank=True)
    erp_server_url = models.CharField(
        _("ERP server URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "Where the ERP's application server answers, e.g. http://erp.local:8000/ "
            "(monitored for reachability and latency)."
        ),
    )
    environment = models.CharField(
        _("environment"), max_length=16, choices=Environment.choices, default=Environment.PRODUCTION
    )
    rpo_minutes = models.PositiveIntegerField(
        _("RPO target (minutes)"),
        default=24 * 60,
        validators=[MinValueValidator(1)],
        help_text=_("The most data, in minutes of work, the business accepts to lose."),
    )
    rto_minutes = models.PositiveIntegerField(
        _("RTO target (minutes)"),
        default=4 * 60,
        validators=[MinValueValidator(1)],
        help_text=_("How long a full recovery may take."),
    )
    description = models.TextField(_("description"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    last_checked = models.DateTimeField(_("last checked"), null=True, blank=True)
    last_check_ok = models.BooleanField(_("reachable"), null=True, blank=True)
    last_check_error = models.CharField(_("last check error"), max_length=500, blank=True)
    facts = models.JSONField(_("facts"), default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return self.name

    @property
    def database_url(self) -> str:
        """The plaintext URL, for connecting only: never show, log or return it."""
        return crypto.decrypt(self.database_url_encrypted)

    def set_database_url(self, url: str) -> None:
        parsed = dburl.parse(url)
        self.database_url_encrypted = crypto.encrypt(parsed.unparse())
        self.database_url_masked = parsed.masked()
        self.database_engine = parsed.engine


class MaintenanceWindow(models.Model):
    """A recurring weekly period when disruptive work on the target is allowed."""

    target = models.ForeignKey(
        Target,
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="maintenance_windows",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 60)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    description = models.CharField(_("description"), max_length=255, blank=True)

    class Meta:
        ordering = ["target", "weekday", "start_time"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")

    def __str__(self):
        spec = WindowSpec(self.weekday, self.start_time, self.duration_minutes, self.time_zone)
        return spec.as_text()
