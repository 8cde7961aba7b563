"""What every run record shares: its status, its job, when it started and ended, why it failed.

A run (a backup, an off-site copy, a restore, a drill, and kinds to come) is created ``running``
by the process doing the work and settled once, ``succeeded`` or ``failed``: by that process,
or by the reaper when the worker running it died. Settling is a conditional UPDATE (``WHERE
status = 'running'``), so whichever of the two comes second changes nothing.

Models that keep a run's row after it ended (a backup later pruned) override ``status`` with
choices of their own that include RunStatus's three.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class RunQuerySet(models.QuerySet):
    def running(self) -> RunQuerySet:
        return self.filter(status=RunStatus.RUNNING)

    def running_for(self, jobs) -> RunQuerySet:
        """Runs still running of ``jobs`` (a queryset or list of Job)."""
        return self.running().filter(job__in=jobs)


class RunRecord(models.Model):
    """Abstract: one run of some work, shown with its job and settled exactly once."""

    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RunStatus.choices,
        default=RunStatus.RUNNING,
        db_index=True,
    )
    job = models.ForeignKey(
        "core.Job", verbose_name=_("job"), null=True, blank=True, on_delete=models.SET_NULL
    )
    started = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_running(self) -> bool:
        return self.status == RunStatus.RUNNING

    @property
    def duration_seconds(self) -> float | None:
        if self.finished is None:
            return None
        return (self.finished - self.started).total_seconds()

    @classmethod
    def settle_if_running(cls, pk, status: str, **fields) -> bool:
        """Give run ``pk`` its final ``status`` (and ``fields``; ``finished`` defaults to now)
        unless it was settled already; True when this call settled it."""
        values = {"finished": timezone.now(), **fields}
        still_running = cls._default_manager.filter(pk=pk, status=RunStatus.RUNNING)
        return bool(still_running.update(status=status, **values))

    @classmethod
    def fail_if_running(cls, pk, reason: str) -> bool:
        return cls.settle_if_running(pk, RunStatus.FAILED, error=reason)
