"""Access review campaigns (certification): who reviews which ERP memberships, their keep or
revoke decisions, and the remediation requests that revocations become.

ERPKeeper never changes the ERP: a revocation is a request for the ERP's administrators, and
the next access snapshot of the target verifies whether it was carried out. Imported by
models.py, so Django finds these models in the security app.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("access review campaign", "Draft")
    OPEN = "open", pgettext_lazy("access review campaign", "Open")
    CLOSED = "closed", pgettext_lazy("access review campaign", "Closed")


class ReviewerMode(models.TextChoices):
    GROUP_OWNER = "group_owner", _("The owner of each ERP group")
    MANAGER = "manager", _("Each user's manager in the ERP")
    NAMED = "named", _("One named reviewer")


class ItemVia(models.TextChoices):
    DIRECT = "direct", _("Direct group membership")
    ROLE = "role", _("Through a role")


class Decision(models.TextChoices):
    PENDING = "pending", _("Not decided yet")
    KEEP = "keep", pgettext_lazy("access review decision", "Keep")
    REVOKE = "revoke", pgettext_lazy("access review decision", "Revoke")


class RemediationState(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("remediation request", "Requested")
    CARRIED_OUT = "carried_out", _("Carried out")
    NOT_CARRIED_OUT = "not_carried_out", _("Not carried out")


# Reviewers and owners are people who use the console (portal users are not).
CONSOLE_USERS = {"is_staff": True, "is_active": True}


def parse_reminder_days(text: str) -> list[int]:
    """ "7, 1" -> [7, 1]; ValueError naming the bad part."""
    days = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or int(part) > 365:
            raise ValueError(part)
        days.append(int(part))
    return sorted(set(days), reverse=True)


class GroupOwner(models.Model):
    """Who answers for an ERP group of a target: the reviewer of its members in campaigns
    whose reviewers are the group owners."""

    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        on_delete=models.CASCADE,
        related_name="group_owners",
    )
    group = models.CharField(
        _("ERP group"), max_length=200, help_text=_("The group's name or XML id in the ERP.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="owned_erp_groups",
        limit_choices_to=CONSOLE_USERS,
    )

    class Meta:
        ordering = ["target__name", "group"]
        verbose_name = _("ERP group owner")
        verbose_name_plural = _("ERP group owners")
        constraints = [
            models.UniqueConstraint(fields=["target", "group"], name="security_group_owner_unique")
        ]

    def __str__(self):
        return f"{self.group} → {self.owner}"


class Campaign(models.Model):
    """An access review: the memberships in scope, one item each, decided by reviewers before
    the deadline. Draft, then open (launched: items exist), then closed (frozen)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    targets = models.ManyToManyField(
        "targets.Target", verbose_name=_("targets"), related_name="review_campaigns"
    )
    scope_groups = models.JSONField(
        _("groups in scope"),
        default=list,
        blank=True,
        help_text=_("ERP group names or XML ids; empty: every group."),
    )
    scope_roles = models.JSONField(
        _("roles in scope"), default=list, blank=True, help_text=_("Empty: every role.")
    )
    scope_users = models.JSONField(
        _("users in scope"), default=list, blank=True, help_text=_("ERP logins; empty: everyone.")
    )
    reviewer_mode = models.CharField(
        _("reviewers"), max_length=16, choices=ReviewerMode.choices, default=ReviewerMode.NAMED
    )
    default_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=CONSOLE_USERS,
        help_text=_(
            "Reviews every item in a campaign with one named reviewer, and the items whose "
            "group has no owner or whose user has no manager known to ERPKeeper."
        ),
    )
    deadline = models.DateField(_("deadline"))
    reminder_days = models.CharField(
        _("reminder days"),
        max_length=50,
        default="7,1",
        blank=True,
        help_text=_("Days before the deadline when reviewers are reminded, e.g. 7,1."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("campaign owner"),
        on_delete=models.PROTECT,
        related_name="owned_review_campaigns",
        limit_choices_to=CONSOLE_USERS,
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    launched = models.DateTimeField(_("launched"), null=True, blank=True)
    closed = models.DateTimeField(_("closed"), null=True, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    escalated = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("access review campaign")
        verbose_name_plural = _("access review campaigns")

    def __str__(self):
        return self.name

    def clean(self):
        try:
            parse_reminder_days(self.reminder_days)
        except ValueError as exc:
            raise ValidationError(
                {
                    "reminder_days": _("%(part)s is not a number of days (0 to 365).")
                    % {"part": exc.args[0]}
                }
            ) from None
        for name in ("scope_groups", "scope_roles", "scope_users"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({name: _("Give a list of names.")})

    @property
    def reminder_day_list(self) -> list[int]:
        return parse_reminder_days(self.reminder_days)

    @property
    def is_overdue(self) -> bool:
        return self.status == CampaignStatus.OPEN and self.deadline < timezone.localdate()


class ReviewItem(models.Model):
    """One membership to certify: an ERP user in a group (directly) or in a role, as the
    snapshot the campaign was launched from showed it."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="items"
    )
    target = models.ForeignKey(
        "targets.Target", verbose_name=_("target"), on_delete=models.SET_NULL, null=True
    )
    target_name = models.CharField(_("target name"), max_length=100)
    snapshot = models.ForeignKey(
        "security.AccessSnapshot",
        verbose_name=_("snapshot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    login = models.CharField(_("ERP login"), max_length=150)
    user_name = models.CharField(_("ERP user's name"), max_length=200, blank=True)
    via = models.CharField(_("membership"), max_length=16, choices=ItemVia.choices)
    group = models.CharField(_("ERP group"), max_length=200, blank=True)
    group_xml_id = models.CharField(_("group XML id"), max_length=200, blank=True)
    role = models.CharField(_("ERP role"), max_length=200, blank=True)
    role_groups = models.TextField(_("groups of the role"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_items",
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "target_name", "login", "via", "role", "group"]
        verbose_name = _("access review item")
        verbose_name_plural = _("access review items")

    def __str__(self):
        return f"{self.login}: {self.access_text}"

    @property
    def access_text(self) -> str:
        if self.via == ItemVia.ROLE:
            return _("role %(role)s (%(groups)s)") % {
                "role": self.role,
                "groups": self.role_groups or "–",
            }
        return _("group %(group)s (direct)") % {"group": self.group}


class RemediationRequest(models.Model):
    """A revocation to be carried out in the ERP by its administrators (ERPKeeper does not
    change the ERP); each later snapshot of the target verifies it."""

    item = models.OneToOneField(
        ReviewItem, verbose_name=_("review item"), on_delete=models.CASCADE, related_name="request"
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="requests"
    )
    target = models.ForeignKey(
        "targets.Target", verbose_name=_("target"), on_delete=models.SET_NULL, null=True
    )
    what = models.CharField(_("what to remove"), max_length=400)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RemediationState.choices,
        default=RemediationState.REQUESTED,
    )
    requested = models.DateTimeField(_("requested"), default=timezone.now)
    requested_by = models.CharField(_("requested by"), max_length=150)
    checked_snapshot = models.ForeignKey(
        "security.AccessSnapshot",
        verbose_name=_("verified by snapshot"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        ordering = ["campaign", "state", "what"]
        verbose_name = _("remediation request")
        verbose_name_plural = _("remediation requests")

    def __str__(self):
        return self.what
