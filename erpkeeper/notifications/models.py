"""Notification channels and the record of every delivery attempt to them."""

from __future__ import annotations

import json

from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.core.models import OutboxMessage
from erpkeeper.lib import crypto

Severity = OutboxMessage.Severity
SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class SecretValues(dict):
    """A channel's decrypted secrets (webhook URL, signing secret, SMTP password).

    Its ``repr`` names the keys only, so a stray log line or traceback never shows a value.
    """

    def __repr__(self) -> str:
        return "SecretValues(" + ", ".join(f"{key}=********" for key in sorted(self)) + ")"

    __str__ = __repr__


class Channel(models.Model):
    """Where notifications go: an email list, a webhook, a Slack, DingTalk, WeCom or Feishu robot.

    Settings that are not secret live in ``config`` (validated per kind). The webhook URL (its
    path or query holds the robot's token), the signing secret and the SMTP password are kept
    together, encrypted, in ``secrets_encrypted``; ``destination_masked`` is what people see.

    Escalation (a later channel when nobody reacts within N minutes) belongs to the alerts
    app's rules: it selects channels through ``services.matching_channels``.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        WEBHOOK = "webhook", _("Webhook")
        SLACK = "slack", _("Slack")
        DINGTALK = "dingtalk", _("DingTalk robot")
        WECOM = "wecom", _("WeCom robot")
        FEISHU = "feishu", _("Feishu robot")

    # The ciphertext is never worth showing; the audit trail records the masked form instead.
    audit_redact = {"secrets_encrypted": "destination_masked"}

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    config = models.JSONField(_("settings"), default=dict, blank=True)
    secrets_encrypted = models.TextField(_("secrets (encrypted)"), blank=True, editable=False)
    destination_masked = models.CharField(
        # Context: a backup's "destination" is where it is stored, translated otherwise.
        pgettext_lazy("notification channel", "destination"),
        max_length=500,
        blank=True,
        editable=False,
    )
    min_severity = models.CharField(
        _("minimum severity"),
        max_length=16,
        choices=Severity.choices,
        default=Severity.WARNING,
        help_text=_("Notifications less severe than this are not sent to this channel."),
    )
    targets = models.ManyToManyField(
        "targets.Target",
        verbose_name=_("targets"),
        blank=True,
        related_name="notification_channels",
        help_text=_("Only notifications about these targets (and platform-wide ones). Empty: all."),
    )
    disabled_reason = models.CharField(_("disabled because"), max_length=500, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self):
        return self.name

    def secret_values(self) -> SecretValues:
        """The decrypted secrets, for sending only: never show, log or return them."""
        if not self.secrets_encrypted:
            return SecretValues()
        return SecretValues(json.loads(crypto.decrypt(self.secrets_encrypted)))

    def store_secrets(self, values: dict) -> None:
        kept = {key: value for key, value in values.items() if value}
        self.secrets_encrypted = crypto.encrypt(json.dumps(kept, sort_keys=True)) if kept else ""
        self.__dict__.pop("stored_secret_keys", None)

    @cached_property
    def stored_secret_keys(self) -> frozenset[str]:
        """Which secrets are set (``url``, ``secret``, ``password``), never their values.

        Empty when the key file is not the one they were encrypted with: they must be entered
        again (sending reports it and disables the channel).
        """
        try:
            return frozenset(self.secret_values())
        except crypto.SecretDecryptionError:
            return frozenset()

    def has_secret(self, key: str) -> bool:
        return key in self.stored_secret_keys

    def accepts(self, severity: str, target) -> bool:
        """Whether a notification of this severity about ``target`` is for this channel.

        Platform-wide notifications (no target, e.g. a channel was disabled) go to every channel
        whatever its target filter: they concern everyone who runs the platform.
        """
        if SEVERITY_RANK.get(severity, 0) < SEVERITY_RANK.get(self.min_severity, 0):
            return False
        if target is None:
            return True
        wanted = {t.pk for t in self.targets.all()}
        return not wanted or target.pk in wanted


class Delivery(models.Model):
    """One attempt to send one notification to one channel (or a test message: no message).

    The row is written before sending, with ``ok`` empty: its unique (channel, message, attempt)
    is the claim that keeps two delivery runners from sending the same attempt twice.
    """

    # Deliveries are a log of observations, like a job's log lines: not configuration changes.
    audit_exclude = True

    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(
        OutboxMessage,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        help_text=_("Empty for a test message."),
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started = models.DateTimeField(_("started"), db_index=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    ok = models.BooleanField(_("delivered"), null=True, blank=True)
    status_code = models.PositiveIntegerField(
        _("status code"), null=True, blank=True, help_text=_("HTTP status or SMTP reply code")
    )
    response = models.CharField(_("response"), max_length=255, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    next_retry_at = models.DateTimeField(_("next retry"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-started", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "message", "attempt"], name="notifications_delivery_once"
            )
        ]

    def __str__(self):
        return f"{self.channel} #{self.message_id or 'test'} attempt {self.attempt}"

    @property
    def is_test(self) -> bool:
        return self.message_id is None
