"""Tickets, their conversation and attachments, the queues (teams) that answer them, SLA
policies and canned replies."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erpkeeper.servicedesk.sla.clock import DAY_KEYS

OFFICE_HOURS = "09:00-12:00,13:00-18:00"


def default_business_hours() -> dict:
    return dict.fromkeys(DAY_KEYS[:5], OFFICE_HOURS)


class Level(models.TextChoices):
    HIGH = "high", pgettext_lazy("impact or urgency", "High")
    MEDIUM = "medium", pgettext_lazy("impact or urgency", "Medium")
    LOW = "low", pgettext_lazy("impact or urgency", "Low")


class Priority(models.TextChoices):
    """Sorted as text, p1 comes first: the most urgent on top."""

    P1 = "p1", _("P1 critical")
    P2 = "p2", _("P2 high")
    P3 = "p3", _("P3 medium")
    P4 = "p4", _("P4 low")


class TicketKind(models.TextChoices):
    REQUEST = "request", _("Request")
    INCIDENT = "incident", _("Incident")


class TicketCategory(models.TextChoices):
    QUESTION = "question", _("Question")
    ERROR = "error", _("Error in the ERP")
    ACCESS = "access", _("Access and permissions")
    DATA = "data", _("Data correction")
    CHANGE = "change", _("Change request")
    OTHER = "other", _("Other")


class TicketStatus(models.TextChoices):
    NEW = "new", pgettext_lazy("ticket status", "New")
    OPEN = "open", pgettext_lazy("ticket status", "Open")
    WAITING = "waiting", _("Waiting for the requester")
    RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")
    CLOSED = "closed", pgettext_lazy("ticket status", "Closed")


# New, open or waiting: the desk still works on it.
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


class SlaClockKind(models.TextChoices):
    NONE = "", _("No SLA")
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", _("Resolution")


class SlaStatus(models.TextChoices):
    NONE = "", _("No SLA")
    RUNNING = "running", _("Within target")
    WARNING = "warning", _("Due soon")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")


class Via(models.TextChoices):
    CONSOLE = "console", _("Console")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    MAIL = "mail", _("E-mail")
    PORTAL = "portal", _("Portal")
    SYSTEM = "system", _("System")


class Assignment(models.TextChoices):
    MANUAL = "manual", _("By hand")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_OPEN = "least_open", _("Fewest open tickets")
    BY_MODULE = "erp_module", _("By ERP module, then fewest open tickets")


class Queue(models.Model):
    """A team that answers tickets: its members, how tickets are handed out, its working hours
    (SLA clocks count only those), time zone and holiday calendar."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(
        _("e-mail address"),
        blank=True,
        help_text=_("Mail sent to this address opens tickets in this queue."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="+"
    )
    assignment = models.CharField(
        _("assignment"), max_length=16, choices=Assignment.choices, default=Assignment.MANUAL
    )
    # Round robin: who got the last ticket (the next member after them gets the next one).
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    business_hours = models.JSONField(
        _("business hours"),
        default=default_business_hours,
        help_text=_('Per day, e.g. {"mon": "09:00-12:00,13:00-18:00"}; a day left out is off.'),
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    holiday_calendar = models.CharField(
        _("holiday calendar"),
        max_length=8,
        default="CN",
        blank=True,
        help_text=_(
            "A country code (CN: mainland China, with adjusted working days); empty: none."
        ),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self):
        return self.name


class QueueSkill(models.Model):
    """The ERP modules a queue member knows best: a queue that assigns by ERP module hands a
    ticket about one of them to the least busy of the members who know it."""

    queue = models.ForeignKey(
        Queue, verbose_name=_("queue"), on_delete=models.CASCADE, related_name="skills"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    erp_modules = models.CharField(
        _("ERP modules"),
        max_length=255,
        help_text=_("Tryton module names, comma separated, e.g. sale, stock, account_invoice."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["queue", "member"], name="one_skill_row_per_member")
        ]
        verbose_name = _("agent's ERP modules")
        verbose_name_plural = _("agents' ERP modules")

    def __str__(self):
        return f"{self.member} ({self.erp_modules})"

    def modules(self) -> set[str]:
        return {part.strip().lower() for part in self.erp_modules.split(",") if part.strip()}


class SlaPolicy(models.Model):
    """Targets for one priority, in working minutes of the ticket's queue. A policy without a
    queue applies to every queue that has none of its own for that priority."""

    name = models.CharField(_("name"), max_length=100)
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Empty: every queue without a policy of its own."),
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (working minutes)"), validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution within (working minutes)"), validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["queue__name", "priority"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "priority"], name="servicedesk_one_policy_per_queue_priority"
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(queue__isnull=True),
                name="servicedesk_one_default_policy_per_priority",
            ),
        ]

    def __str__(self):
        return self.name


class Ticket(models.Model):
    """A request for help or an incident, from opening to closing, with its SLA clocks.

    The clock that runs is the first response until an agent's first public reply, then the
    resolution. ``sla_warn_at`` and ``sla_due`` are that clock's 80 % and 100 % moments (None
    while paused), precomputed so that the SLA loop finds what is due with an indexed query.
    """

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=16, choices=TicketKind.choices, default=TicketKind.REQUEST
    )
    category = models.CharField(
        _("category"), max_length=16, choices=TicketCategory.choices, default=TicketCategory.OTHER
    )
    erp_module = models.CharField(
        _("ERP module"), max_length=64, blank=True, help_text=_("e.g. sale, stock, account")
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("affected target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    impact = models.CharField(_("impact"), max_length=8, choices=Level.choices, default=Level.LOW)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Level.choices, default=Level.MEDIUM
    )
    priority = models.CharField(
        _("priority"), max_length=2, choices=Priority.choices, default=Priority.P4, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requested_tickets",
    )
    requester_email = models.EmailField(_("requester's e-mail"), blank=True)
    requester_name = models.CharField(_("requester's name"), max_length=150, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    # What opened it automatically (e.g. "alerts:target:3"), to update it instead of opening
    # another while the cause lasts.
    source_key = models.CharField(max_length=100, blank=True, editable=False, db_index=True)
    # Not auto_now_add: the SLA clocks are computed from it before the first save.
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reopen_count = models.PositiveIntegerField(_("reopened"), default=0)
    sla_policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_clock = models.CharField(
        _("SLA clock"), max_length=16, choices=SlaClockKind.choices, blank=True, editable=False
    )
    sla_status = models.CharField(
        _("SLA"), max_length=16, choices=SlaStatus.choices, blank=True, editable=False
    )
    sla_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_due = models.DateTimeField(_("due"), null=True, blank=True, editable=False)
    sla_paused_at = models.DateTimeField(_("SLA paused since"), null=True, blank=True)
    # Working minutes the clocks stood still so far (waiting for the requester, resolved before
    # a reopening): a new policy's targets are counted from the ticket's creation plus these.
    sla_paused_minutes = models.FloatField(default=0, editable=False)
    problem = models.ForeignKey(
        "servicedesk.Problem",
        verbose_name=_("problem"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    csat_rating = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    csat_comment = models.TextField(_("satisfaction comment"), blank=True)

    class Meta:
        ordering = ["priority", "-created"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The agent desk: open tickets by status, most urgent first, newest first.
            models.Index(fields=["status", "priority", "-created"], name="sd_ticket_desk"),
            # The desk's order over several statuses: walked in order, the first page is found
            # without sorting every active ticket.
            models.Index(fields=["priority", "-created"], name="sd_ticket_order"),
            models.Index(fields=["queue", "status", "priority"], name="sd_ticket_queue"),
            models.Index(fields=["assignee", "status"], name="sd_ticket_assignee"),
            models.Index(fields=["sla_status", "sla_due"], name="sd_ticket_sla_due"),
            models.Index(fields=["sla_status", "sla_warn_at"], name="sd_ticket_sla_warn"),
            models.Index(fields=["-created"], name="sd_ticket_created"),
            models.Index(fields=["-updated"], name="sd_ticket_updated"),
            # Reports: what was answered, resolved or due in a period.
            models.Index(fields=["resolved_at"], name="sd_ticket_resolved"),
            models.Index(fields=["first_response_at"], name="sd_ticket_responded"),
            models.Index(fields=["first_response_due"], name="sd_ticket_response_due"),
            models.Index(fields=["resolution_due"], name="sd_ticket_resolution_due"),
        ]
        permissions = [("view_reports", _("Can view the service desk's reports"))]

    def __str__(self):
        return f"{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status not in (TicketStatus.RESOLVED, TicketStatus.CLOSED)

    @property
    def requester_address(self) -> str:
        if self.requester_email:
            return self.requester_email
        return self.requester.email if self.requester_id and self.requester else ""

    @property
    def requester_display(self) -> str:
        if self.requester_id and self.requester:
            return self.requester.get_full_name() or self.requester.get_username()
        return self.requester_name or self.requester_email


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class MailState(models.TextChoices):
    NONE = "", _("Not mailed")
    PENDING = "pending", pgettext_lazy("mail state", "Pending")
    SENT = "sent", pgettext_lazy("mail state", "Sent")
    FAILED = "failed", pgettext_lazy("mail state", "Failed")


class TicketMessage(models.Model):
    """One entry of a ticket's conversation: a public reply (the requester sees it and gets
    it by mail) or an internal note (agents only)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(
        _("kind"), max_length=8, choices=MessageKind.choices, default=MessageKind.REPLY
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_email = models.EmailField(_("author's e-mail"), blank=True)
    from_requester = models.BooleanField(_("from the requester"), default=False)
    body = models.TextField(_("text"))
    via = models.CharField(_("via"), max_length=8, choices=Via.choices, default=Via.CONSOLE)
    # The Message-ID of the mail that brought it or carried it out: replies thread on it.
    mail_message_id = models.CharField(
        _("mail Message-ID"), max_length=255, blank=True, db_index=True
    )
    mail_state = models.CharField(
        _("mail"), max_length=8, choices=MailState.choices, blank=True, default=MailState.NONE
    )
    mail_error = models.CharField(_("mail error"), max_length=500, blank=True)
    # Not auto_now_add: a history filled in afterwards (the demo) gives its own moments.
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("ticket message")
        verbose_name_plural = _("ticket messages")

    def __str__(self):
        return f"{self.ticket.number} #{self.pk}"

    @property
    def author_display(self) -> str:
        if self.author_id and self.author:
            return self.author.get_full_name() or self.author.get_username()
        return self.author_email or str(Via.SYSTEM.label)


class Attachment(models.Model):
    """A file sent with a ticket, kept under ERPKEEPER_HOME (never under the web root) and
    served only to who may see the ticket."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        TicketMessage,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)
    stored_name = models.CharField(max_length=255, editable=False)  # relative to the store
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.file_name


class CannedReply(models.Model):
    """A prepared answer. Placeholders: {ticket}, {subject}, {requester}, {agent}, {queue}."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(_("text"))
    queue = models.ForeignKey(
        Queue,
        verbose_name=_("queue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        help_text=_("Empty: every queue."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")

    def __str__(self):
        return self.name


class AnnouncementLevel(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")


class Announcement(models.Model):
    """A notice the team posts on the portal (a planned change, a known problem), shown from
    ``starts`` until ``ends`` (empty: until removed)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    level = models.CharField(
        _("level"), max_length=8, choices=AnnouncementLevel.choices, default=AnnouncementLevel.INFO
    )
    starts = models.DateTimeField(_("shown from"), default=timezone.now)
    ends = models.DateTimeField(
        _("shown until"), null=True, blank=True, help_text=_("Empty: until removed.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-starts"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self):
        return self.title
