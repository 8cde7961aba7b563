"""What the portal's help suggestions achieved: the deflection rate of the desk's reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from erpkeeper.servicedesk.models.tickets import Ticket


class HelpSearch(models.Model):
    """The portal showed help suggestions for a subject being typed: one row per visit to the
    *Open a ticket* page that got suggestions, and the ticket opened from that visit if any.
    The deflection rate is the share of these that ended without a ticket."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    query = models.CharField(_("typed subject"), max_length=200)
    suggestions = models.PositiveSmallIntegerField(_("suggestions shown"), default=0)
    created = models.DateTimeField(_("created"), default=timezone.now)
    last_shown = models.DateTimeField(_("last shown"), default=timezone.now)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("help search")
        verbose_name_plural = _("help searches")
        indexes = [models.Index(fields=["created"], name="sd_helpsearch_created")]

    def __str__(self):
        return self.query
