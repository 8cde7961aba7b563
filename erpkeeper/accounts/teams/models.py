"""Teams and members, the RACI matrix per maintenance area, on-call rotas with overrides and
hand-over notes, and announcements to the team and to portal users."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

USER = settings.AUTH_USER_MODEL


class Area(models.TextChoices):
    """The twenty seed areas of ERP maintenance (ARCHITECTURE.md), the rows of the RACI
    matrix."""

    BACKUP = "backup", _("Backup, recovery and a tested DR plan")
    MONITORING = "monitoring", _("Real-time monitoring and alert thresholds")
    PERFORMANCE = "performance", _("Performance: resources and query tuning")
    ACCESS = "access", _("Access control, password policy and security audit")
    MANUALS = "manuals", _("Manuals, help documents, training and technical support")
    VERSIONS = "versions", _("Version history and continuous integration")
    HARDWARE = "hardware", _("Hardware checks and replacement")
    UPDATES = "updates", _("Software updates, patches and upgrades")
    COMPLIANCE = "compliance", _("Regulation tracking and compliance checks")
    PROCESSES = "processes", _("Process analysis and redesign")
    PROJECTS = "projects", _("Project planning and monitoring")
    VENDORS = "vendors", _("Vendor evaluation and negotiation")
    REPORTS = "reports", _("Data collection, analysis and reports")
    RESEARCH = "research", _("Technology research and innovation")
    KNOWLEDGE = "knowledge", _("Knowledge base and knowledge sharing")
    RISKS = "risks", _("Risk identification, assessment and response")
    QUALITY = "quality", _("Quality control and improvement")
    TEAM = "team", _("Team roles and communication")
    SUPPORT = "support", _("Customer feedback and support")
    IMPROVEMENT = "improvement", _("Continuous improvement")


class Raci(models.TextChoices):
    RESPONSIBLE = "R", _("Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class TeamRole(models.TextChoices):
    MEMBER = "member", pgettext_lazy("role in a team", "Member")
    DEPUTY = "deputy", _("Deputy lead")
    EXPERT = "expert", _("Subject expert")
    TRAINEE = "trainee", _("Trainee")


class Team(models.Model):
    """A group of platform users who share work: members, a lead, RACI cells, rotas."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        USER,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class TeamMembership(models.Model):
    """A user in a team, with what they answer for."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        USER, verbose_name=_("user"), on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(
        _("role in the team"), max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER
    )
    responsibility = models.CharField(_("responsibility"), max_length=255, blank=True)
    joined = models.DateField(_("joined"), auto_now_add=True)

    class Meta:
        ordering = ["team", "user__username"]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="accounts_one_membership")
        ]

    def __str__(self):
        return f"{self.user} @ {self.team}"


class RaciAssignment(models.Model):
    """One cell of the RACI matrix: a team (or one user) is R, A, C or I for an area."""

    area = models.CharField(_("area"), max_length=16, choices=Area.choices, db_index=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="raci",
    )
    user = models.ForeignKey(
        USER,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="raci",
    )
    letter = models.CharField(_("RACI"), max_length=1, choices=Raci.choices)

    class Meta:
        ordering = ["area", "team__name", "user__username"]
        verbose_name = _("RACI assignment")
        verbose_name_plural = _("RACI assignments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=True) ^ models.Q(user__isnull=True),
                name="accounts_raci_team_or_user",
            ),
            models.UniqueConstraint(
                fields=["area", "team"],
                condition=models.Q(team__isnull=False),
                name="accounts_raci_one_cell_per_team",
            ),
            models.UniqueConstraint(
                fields=["area", "user"],
                condition=models.Q(user__isnull=False),
                name="accounts_raci_one_cell_per_user",
            ),
        ]

    def __str__(self):
        return f"{self.get_area_display()}: {self.holder} {self.letter}"

    @property
    def holder(self):
        return self.team if self.team_id else self.user


class Rotation(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(zone)s is not a time zone (e.g. Asia/Shanghai)."), params={"zone": value}
        ) from exc


class Rota(models.Model):
    """A team's on-call rotation: its members in order, one shift each (a day or a week) from
    the hand-over time in the rota's time zone, starting on ``start_date``.

    ``feed_token_hash`` is the SHA-256 of the token in the iCal feed's address (the token is
    shown once), so a calendar app subscribes without a session.
    """

    audit_redact = {"feed_token_hash": None}

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="rotas"
    )
    name = models.CharField(_("name"), max_length=100)
    rotation = models.CharField(
        _("rotation"), max_length=8, choices=Rotation.choices, default=Rotation.WEEKLY
    )
    handover_time = models.TimeField(_("hand-over time"), default="09:00")
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.TIME_ZONE,
        validators=[validate_time_zone],
    )
    start_date = models.DateField(_("start date"))
    feed_token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("on-call rota")
        verbose_name_plural = _("on-call rotas")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="accounts_rota_name_per_team")
        ]

    def __str__(self):
        return f"{self.team} · {self.name}"


class RotaMember(models.Model):
    """A place in a rota's order: shift n goes to the member at position n modulo their
    count."""

    rota = models.ForeignKey(
        Rota, verbose_name=_("rota"), on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        USER, verbose_name=_("user"), on_delete=models.CASCADE, related_name="rota_places"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["rota", "position", "pk"]
        verbose_name = _("rota member")
        verbose_name_plural = _("rota members")

    def __str__(self):
        return f"{self.rota}: {self.position + 1}. {self.user}"


class RotaOverride(models.Model):
    """Someone else is on call from ``start`` to ``end`` (a swap, a holiday cover); an
    override wins over the rotation."""

    rota = models.ForeignKey(
        Rota, verbose_name=_("rota"), on_delete=models.CASCADE, related_name="overrides"
    )
    user = models.ForeignKey(
        USER, verbose_name=_("on call"), on_delete=models.CASCADE, related_name="rota_overrides"
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"), db_index=True)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-start"]
        verbose_name = _("on-call override")
        verbose_name_plural = _("on-call overrides")

    def __str__(self):
        return f"{self.user} {self.start:%Y-%m-%d %H:%M} – {self.end:%Y-%m-%d %H:%M}"

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("An override ends after it starts.")})


class HandoverNote(models.Model):
    """What the person going off call tells the next one."""

    rota = models.ForeignKey(
        Rota, verbose_name=_("rota"), on_delete=models.CASCADE, related_name="handover_notes"
    )
    author = models.ForeignKey(
        USER,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"))
    created = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("hand-over note")
        verbose_name_plural = _("hand-over notes")

    def __str__(self):
        return self.text[:60]


class Announcement(models.Model):
    """News for the team (platform users, through the notification channels) and/or a banner
    on the portal's pages between ``starts`` and ``ends``, in Chinese and English."""

    class Level(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    title = models.CharField(_("title (English)"), max_length=200)
    text = models.TextField(_("text (English)"), blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    text_zh = models.TextField(_("text (Chinese)"), blank=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.INFO)
    to_team = models.BooleanField(
        _("to the team"), default=True, help_text=_("Sent through the notification channels.")
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
        help_text=_("Its members are also mailed. Empty: every channel, nobody mailed."),
    )
    to_portal = models.BooleanField(
        _("on the portal"), default=False, help_text=_("A banner on every portal page.")
    )
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent to the team"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts", "-pk"]
        # "Team": the service desk keeps portal notices of its own (servicedesk.Announcement).
        verbose_name = _("team announcement")
        verbose_name_plural = _("team announcements")

    def __str__(self):
        return self.title

    def clean(self):
        if not self.to_team and not self.to_portal:
            raise ValidationError(
                _("Send the announcement to the team, show it on the portal, or both.")
            )
        if self.starts and self.ends and self.ends <= self.starts:
            raise ValidationError({"ends": _("An announcement ends after it starts.")})

    def title_in(self, language: str) -> str:
        return self.title_zh if language.startswith("zh") and self.title_zh else self.title

    def text_in(self, language: str) -> str:
        return self.text_zh if language.startswith("zh") and self.text_zh else self.text
