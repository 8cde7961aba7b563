"""Monitored hosts and their metric series: raw samples and 1-minute / 1-hour rollups."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HostKind(models.TextChoices):
    EMBEDDED = "embedded", _("This ERPKeeper server (embedded collector)")
    AGENT = "agent", _("Agent")


class Host(models.Model):
    """A machine that reports metrics: the ERPKeeper server itself, or one running the agent."""

    audit_redact = {"token_hash": None}
    audit_ignore_fields = {
        "last_seen",
        "last_batch_seq",
        "agent_version",
        "minutes_dirty_from",
        "hours_dirty_from",
    }

    name = models.CharField(_("name"), max_length=255, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=HostKind.choices)
    targets = models.ManyToManyField(
        "targets.Target", verbose_name=_("targets on this host"), blank=True, related_name="hosts"
    )
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    # Agents authenticate with a per-host token: ``ekh_<prefix>_<secret>``, stored hashed.
    token_prefix = models.CharField(_("token prefix"), max_length=16, blank=True, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=128, blank=True)
    interval_seconds = models.PositiveIntegerField(_("interval (seconds)"), default=10)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)
    # The agent numbers its batches; a replayed batch with a known number is ignored.
    last_batch_seq = models.BigIntegerField(_("last batch"), default=0)
    agent_version = models.CharField(_("agent version"), max_length=64, blank=True)
    # Where the rollups must be recomputed from: ingest lowers the first (samples may arrive up
    # to a day late from an agent's buffer), the rollup job lowers the second and clears both.
    minutes_dirty_from = models.DateTimeField(null=True, blank=True, editable=False)
    hours_dirty_from = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("monitored host")
        verbose_name_plural = _("monitored hosts")

    def __str__(self):
        return self.name


class AgentInstance(models.Model):
    """One agent reporting for a host, told apart by the random id it keeps in its state
    directory. Its batch numbers are its own: a second agent under the same host name (a new
    machine given the old name, a reinstall beside the old one) used to have every batch
    dropped as a replay because the first one's numbers were higher."""

    audit_exclude = True  # recorded by ingest as batches arrive

    host = models.ForeignKey(
        Host, verbose_name=_("host"), on_delete=models.CASCADE, related_name="agent_instances"
    )
    instance = models.CharField(_("agent instance"), max_length=64)
    last_batch_seq = models.BigIntegerField(_("last batch"), default=0)
    agent_version = models.CharField(_("agent version"), max_length=64, blank=True)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["host", "-last_seen"]
        verbose_name = _("agent instance")
        verbose_name_plural = _("agent instances")
        constraints = [
            models.UniqueConstraint(fields=["host", "instance"], name="agent_instance_per_host")
        ]

    def __str__(self):
        return f"{self.host} {self.instance[:8]}"


class Series(models.Model):
    """One metric with one set of labels on one host (and target, when it is about one)."""

    audit_exclude = True  # created by ingest as data arrives: observations, not configuration

    host = models.ForeignKey(
        Host, verbose_name=_("host"), on_delete=models.CASCADE, related_name="series"
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="series",
    )
    metric = models.CharField(_("metric"), max_length=128, db_index=True)
    labels = models.JSONField(_("labels"), default=dict, blank=True)
    # sha256 of (host, target, metric, sorted labels): the identity used by ingest.
    key = models.CharField(_("key"), max_length=64, unique=True)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["metric"]
        verbose_name = _("metric series")
        verbose_name_plural = _("metric series")

    def __str__(self):
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return f"{self.metric}{{{labels}}}" if labels else self.metric


class Sample(models.Model):
    """A raw measurement (kept 7 days). Observations, not changes: never audited."""

    audit_exclude = True

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="samples")
    time = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "time"], name="sample_series_time_unique")
        ]
        indexes = [models.Index(fields=["time"], name="sample_time_idx")]

    def __str__(self):
        return f"{self.series_id}@{self.time:%Y-%m-%d %H:%M:%S}={self.value}"


class Resolution(models.IntegerChoices):
    MINUTE = 60, _("1 minute")
    # What charts of several days read: a week of one series is 1,008 rows instead of 10,080.
    TEN_MINUTES = 600, _("10 minutes")
    HOUR = 3600, _("1 hour")


class Rollup(models.Model):
    """min/avg/max/count of a series over a bucket (1 or 10 minutes: 90 days; 1 hour: 2 years)."""

    audit_exclude = True

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="rollups")
    resolution = models.PositiveIntegerField(choices=Resolution.choices)
    time = models.DateTimeField()  # bucket start
    min = models.FloatField()
    avg = models.FloatField()
    max = models.FloatField()
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["series", "resolution", "time"], name="rollup_series_resolution_time"
            )
        ]
        indexes = [models.Index(fields=["resolution", "time"], name="rollup_resolution_time_idx")]

    def __str__(self):
        return f"{self.series_id}@{self.time:%Y-%m-%d %H:%M}/{self.resolution}s"
