"""Cross-cutting records: job runs and the hash-chained audit trail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ENCRYPTED_SUFFIX = "_encrypted"
ENCRYPTED_PLACEHOLDER = "(encrypted, not shown)"


class Job(models.Model):
    """One run of background work (a check, a backup, a drill ...), shown live in the console."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.FloatField(_("progress"), default=0.0, help_text=_("0 to 100 percent"))
    progress_message = models.CharField(_("progress message"), max_length=255, blank=True)
    log = models.JSONField(_("log lines"), default=list, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_by_name = models.CharField(_("requested by (name)"), max_length=150, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    started = models.DateTimeField(_("started"), null=True, blank=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=255, blank=True, help_text=_("host:pid"))
    task_id = models.CharField(_("queue task id"), max_length=64, blank=True)
    # A running job cannot be stopped from outside; the worker polls this and stops itself.
    cancel_requested = models.DateTimeField(_("cancel requested"), null=True, blank=True)
    cancelled_by_name = models.CharField(_("cancelled by"), max_length=150, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def shown_params(self) -> dict:
        """The parameters as people may see them: a ``*_encrypted`` value (the restore's
        destination URL) is a ciphertext, so only its name shows, never the value."""
        return {
            name.removesuffix(ENCRYPTED_SUFFIX): (
                ENCRYPTED_PLACEHOLDER if name.endswith(ENCRYPTED_SUFFIX) else value
            )
            for name, value in (self.params or {}).items()
        }

    @property
    def kind_label(self) -> str:
        # Imported here: the jobs package imports these models (a cycle at the top).
        from erpkeeper.core.jobs.registry import kind_label  # noqa: PLC0415

        return kind_label(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def duration(self):
        if self.started and self.finished:
            return self.finished - self.started
        return None


class AuditEntry(models.Model):
    """One change to one object. Entries form a SHA-256 chain ordered by ``sequence``."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    time = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # Entries are hashed with the actor's id: deleting a user must not rewrite them.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=255)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    source = models.CharField(
        _("source"), max_length=32, blank=True, help_text=_("console, api, cli or job")
    )
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["-sequence"]
        # "63 audit trail" lacked its noun: the list's count line names what it counts.
        verbose_name = _("audit trail entry")
        verbose_name_plural = _("audit trail entries")

    def __str__(self):
        return (
            f"#{self.sequence} {self.actor_name} {self.action} {self.object_type}:{self.object_id}"
        )


class OutboxMessage(models.Model):
    """A notification waiting to be sent: a failed backup, verification or drill, an alert.

    Notification channels (monitoring) drain the outbox; until one is configured the dashboard
    and the job list show what is pending. Messages with the same ``dedupe_key`` that are still
    pending are merged (``occurrences`` counts them) rather than queued twice.
    """

    class Severity(models.TextChoices):
        INFO = "info", _("Information")
        WARNING = "warning", _("Warning")
        CRITICAL = "critical", _("Critical")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        RESOLVED = "resolved", _("Resolved")

    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    source = models.CharField(_("source"), max_length=64)
    event = models.CharField(_("event"), max_length=64)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    target = models.ForeignKey(
        "targets.Target",
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("details"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=255, db_index=True)
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.subject
