"""Mailboxes polled over IMAP: each unread message becomes a ticket or a reply."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from erpkeeper.lib import crypto
from erpkeeper.servicedesk.models.tickets import Queue


class MailboxSecurity(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS, usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    NONE = "none", _("None (plain text; only on a trusted network)")


class Mailbox(models.Model):
    """An IMAP folder polled for mail: each unread message becomes a ticket or a reply (the
    same path as ``erpkeeper mail-in``) and is marked read once that is saved. The password is
    kept encrypted and never shown."""

    audit_redact = {"password_encrypted": None}
    audit_ignore_fields = {
        "last_poll",
        "last_error",
        "polling_since",
        "received_count",
        "ignored_count",
        "failed_count",
        "updated",
    }

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("IMAP server"), max_length=255)
    port = models.PositiveIntegerField(
        _("port"), default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    security = models.CharField(
        _("connection security"),
        max_length=8,
        choices=MailboxSecurity.choices,
        default=MailboxSecurity.TLS,
    )
    username = models.CharField(_("user name"), max_length=255)
    password_encrypted = models.TextField(_("password (encrypted)"), blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        help_text=_(
            "New tickets from this mailbox go here; empty: by the address they were sent to."
        ),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    poll_minutes = models.PositiveIntegerField(
        _("poll every (minutes)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
    )
    last_poll = models.DateTimeField(_("last poll"), null=True, blank=True, editable=False)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, editable=False)
    # Set while a poll runs: a second poll of the same mailbox waits for the next round.
    polling_since = models.DateTimeField(null=True, blank=True, editable=False)
    received_count = models.PositiveIntegerField(_("messages filed"), default=0, editable=False)
    ignored_count = models.PositiveIntegerField(_("messages ignored"), default=0, editable=False)
    failed_count = models.PositiveIntegerField(_("failed attempts"), default=0, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return self.name

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)

    def set_password(self, password: str) -> None:
        self.password_encrypted = crypto.encrypt(password) if password else ""

    def password(self) -> str:
        """The decrypted password, for logging in only: never show, log or return it."""
        return crypto.decrypt(self.password_encrypted)
