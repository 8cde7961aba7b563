"""Days a holiday calendar gets wrong or does not know yet: the State Council announces each
winter the next year's days off and adjusted working days (调休); until the ``holidays`` library
carries them, or when a company closes on a day of its own, the team enters them here and every
SLA clock on that calendar counts them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    DAY_OFF = "day_off", _("Day off")
    WORKING_DAY = "working_day", _("Working day")


class CalendarDay(models.Model):
    calendar = models.CharField(
        _("holiday calendar"),
        max_length=8,
        default="CN",
        help_text=_("The country code of the queues' holiday calendar (CN: mainland China)."),
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="servicedesk_calendar_day")
        ]

    def __str__(self):
        return f"{self.calendar} {self.date.isoformat()} {self.get_kind_display()}"
