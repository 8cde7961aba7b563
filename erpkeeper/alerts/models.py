"""Threshold rules on metric series, the alerts they raise, and silences."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from erpkeeper.alerts.defaults import default_text


class Operator(models.TextChoices):
    ABOVE = ">", _("above")
    AT_OR_ABOVE = ">=", _("at or above")
    BELOW = "<", _("below")
    AT_OR_BELOW = "<=", _("at or below")


class Severity(models.TextChoices):
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertRule(models.Model):
    """A condition on a metric: warning and critical thresholds that must hold for a while.

    Hysteresis: a firing alert resolves only when the value is back past ``recovery_threshold``
    (or the warning threshold when none is set). No data: when ``no_data_intervals`` is set, a
    series silent for that many of its host's intervals raises an alert too.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    metric = models.CharField(_("metric"), max_length=128, db_index=True)
    targets = models.ManyToManyField(
        "targets.Target",
        verbose_name=_("targets"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every target."),
    )
    hosts = models.ManyToManyField(
        "monitoring.Host",
        verbose_name=_("hosts"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every host."),
    )
    label_selector = models.JSONField(
        _("labels"),
        default=dict,
        blank=True,
        help_text=_('Series labels that must match, e.g. {"mount": "/"}; empty: any.'),
    )
    operator = models.CharField(
        _("operator"), max_length=2, choices=Operator.choices, default=Operator.ABOVE
    )
    warning_threshold = models.FloatField(_("warning threshold"), null=True, blank=True)
    critical_threshold = models.FloatField(_("critical threshold"), null=True, blank=True)
    recovery_threshold = models.FloatField(
        _("recovery threshold"),
        null=True,
        blank=True,
        help_text=_(
            "Resolve only past this value, so a value flapping at the threshold "
            "raises one alert, not dozens. Empty: the warning threshold."
        ),
    )
    for_seconds = models.PositiveIntegerField(
        _("for (seconds)"),
        default=0,
        help_text=_("How long the condition must hold before the alert fires."),
    )
    no_data_intervals = models.PositiveIntegerField(
        _("no data after (intervals)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    repeat_minutes = models.PositiveIntegerField(
        _("repeat every (minutes)"),
        default=240,
        help_text=_("Send a reminder while the alert fires and nobody acknowledged it."),
    )
    channels = models.ManyToManyField(
        "notifications.Channel",
        verbose_name=_("channels"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every channel that accepts the severity and target."),
    )
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate after (minutes)"), null=True, blank=True
    )
    escalation_channel = models.ForeignKey(
        "notifications.Channel",
        verbose_name=_("escalation channel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalation_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("escalation team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("On escalation, page whoever is on call for this team at that moment."),
    )
    is_default = models.BooleanField(_("default rule"), default=False, editable=False)
    # Which built-in rule this is (e.g. "disk"): how the defaults are found again, whatever
    # language their names were created in and however people renamed them.
    default_key = models.CharField(max_length=32, blank=True, editable=False, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language: a default rule's stored msgid is translated, a
        name people gave (or a renamed default) is shown as written."""
        return self._shown("name")

    @property
    def display_description(self) -> str:
        return self._shown("description")

    def _shown(self, field: str) -> str:
        value = getattr(self, field)
        if self.is_default and value and value == default_text(self.default_key, field):
            return gettext(value)
        return value


class AlertState(models.TextChoices):
    # Context: notifications have a "Pending" and "Resolved" of their own, worded differently.
    PENDING = "pending", pgettext_lazy("alert state", "Pending")
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", pgettext_lazy("alert state", "Resolved")


class Alert(models.Model):
    """One rule's condition on one series (or target), from pending to resolved."""

    # Evaluation bookkeeping changes every interval: the state changes are what is audited.
    audit_ignore_fields = {
        "value",
        "last_evaluated",
        "last_notified_at",
        "notifications_sent",
        "notified_severity",
        "last_message",
    }

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    series = models.ForeignKey(
        "monitoring.Series",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    host = models.ForeignKey(
        "monitoring.Host",
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    # Deduplication: one open alert per fingerprint (rule and series or target).
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=AlertState.choices,
        default=AlertState.PENDING,
        db_index=True,
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=255)
    started = models.DateTimeField(_("condition since"))
    fired_at = models.DateTimeField(_("fired"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    last_evaluated = models.DateTimeField(_("last evaluated"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the value recovered by itself."),
    )
    last_notified_at = models.DateTimeField(_("last notified"), null=True, blank=True)
    notifications_sent = models.PositiveIntegerField(_("notifications sent"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    # Who the escalation paged (the escalation team's on-call person at that moment), and why
    # nobody was when the page could not go out.
    paged_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paged"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paged_address = models.CharField(_("paged at"), max_length=254, blank=True, editable=False)
    page_error = models.CharField(_("page not sent because"), max_length=255, blank=True)
    # Why it was recorded but not sent: a silence, a maintenance window, an inhibiting alert.
    suppressed_reason = models.CharField(_("not sent because"), max_length=255, blank=True)
    no_data = models.BooleanField(
        _("no data"), default=False, help_text=_("Raised because the series went silent.")
    )
    # The most severe level people were told about: a value flapping at the critical threshold
    # is announced once, not at every crossing.
    notified_severity = models.CharField(max_length=16, blank=True, editable=False)
    # The incident ticket this alert opened or joined (servicedesk.services opens it).
    incident = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("incident"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    last_message = models.ForeignKey(
        "core.OutboxMessage",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # Deduplication holds even when a manual run and the evaluator thread overlap.
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=models.Q(state__in=["pending", "firing"]),
                name="alerts_one_open_alert_per_fingerprint",
            )
        ]

    def __str__(self):
        return self.summary_text

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language, rebuilt from the rule and the series (a rule's
        name and "on"/"no data from" translate; the place is data). ``summary`` keeps the text
        written when it was raised, for search and for an alert whose series is gone."""
        if self.series_id is None or self.series is None:
            return self.summary
        # Late: the engine imports these models.
        from erpkeeper.alerts.engine import summary  # noqa: PLC0415

        return summary(self.rule, self.series, self.no_data)


class Silence(models.Model):
    """While active, matching alerts are recorded but not sent."""

    rule = models.ForeignKey(
        AlertRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="silences",
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    host = models.ForeignKey(
        "monitoring.Host",
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    metric = models.CharField(_("metric"), max_length=128, blank=True)
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    comment = models.CharField(_("comment"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts"]
        verbose_name = _("silence")
        verbose_name_plural = _("silences")

    def __str__(self):
        return self.comment
