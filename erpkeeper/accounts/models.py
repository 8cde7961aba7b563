"""The platform's own users: preferences, API tokens and sign-ins (teams: teams/models.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Teams, RACI, on-call and announcements live in their own module; imported here so Django
# registers them with the accounts app (and its migrations).
from erpkeeper.accounts.teams.models import (  # noqa: F401
    Announcement,
    HandoverNote,
    RaciAssignment,
    Rota,
    RotaMember,
    RotaOverride,
    Team,
    TeamMembership,
)

TOKEN_PREFIX = "ek"  # noqa: S105  (the public start of every token, not a secret)


class Profile(models.Model):
    """Per-user preferences (language)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    language = models.CharField(
        _("language"),
        max_length=16,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: follow the browser."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for generated one-time passwords; cleared when the user picks their own."),
    )
    browsers_forgotten_at = models.DateTimeField(
        _("remembered browsers forgotten"),
        null=True,
        blank=True,
        help_text=_("Browsers remembered before this time ask for the two-factor code again."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked = models.DateTimeField(_("revoked"), null=True, blank=True)

    audit_redact = {"token_hash": None}
    audit_ignore_fields = {"last_used"}  # using a token is not a change to it

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        # The standard view/add/change permissions cover a user's own tokens; these two reach
        # everybody's (see erpkeeper/accounts/roles.py).
        permissions = [
            ("view_any_apitoken", _("Can view the API tokens of all users")),
            ("revoke_any_apitoken", _("Can revoke the API tokens of all users")),
        ]

    def __str__(self):
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        """What identifies the token in lists: its public start, e.g. ``ek_3fA9xQ2b_…``."""
        return f"{TOKEN_PREFIX}_{self.prefix}_…"

    @property
    def status(self) -> str:
        if self.revoked is not None:
            return self.Status.REVOKED
        if self.expires is not None and self.expires <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.ACTIVE


class LoginRecord(models.Model):
    """One step of signing in to the console, as it happened: the password, then (for users
    with two-factor authentication) the code, a recovery code or a remembered browser.

    Failed attempts are kept with the user name that was typed, matched to a user when one has
    that name. A log of observations, pruned by the daily housekeeping: not an audited change.
    """

    class Method(models.TextChoices):
        PASSWORD = "password", _("Password")
        TOTP = "totp", _("Authenticator code")
        RECOVERY_CODE = "recovery_code", _("Recovery code")
        REMEMBERED = "remembered", _("Remembered browser")

    audit_exclude = True  # sign-ins are evidence themselves, like django-axes' access log

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_records",
    )
    username = models.CharField(_("user name tried"), max_length=150, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    success = models.BooleanField(_("success"))

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("sign-in")
        # The list's count line names what it counts ("3 sign-ins"); the sidebar says history.
        verbose_name_plural = _("sign-ins")
        indexes = [models.Index(fields=["user", "success", "address"])]

    def __str__(self):
        outcome = "ok" if self.success else "failed"
        return f"{self.username} {self.get_method_display()} {outcome} {self.time:%Y-%m-%d %H:%M}"
