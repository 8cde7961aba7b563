"""Pruning the operational history nobody reads after months: finished job runs, notifications
that were sent or resolved, and their delivery attempts.

    counts = prune_history()            # {"jobs": 1234, "notifications": 56, "deliveries": 78}

What is kept, whatever its age: queued and running jobs, notifications still pending (never
lose one that was not sent) and their attempts, the audit trail (the deletions themselves are
recorded in it, one entry per deleted job or notification), backups, restores and drills (they
keep their evidence; only their link to the deleted job run becomes empty).

``ERPKEEPER_KEEP_HISTORY_DAYS`` (default 180; 0 keeps everything) sets the age. The daily
``core.housekeeping`` job runs it; ``erpkeeper housekeeping`` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from erpkeeper.core.jobs import enqueue
from erpkeeper.core.models import Job, OutboxMessage
from erpkeeper.lib.plugins import collect, load

logger = logging.getLogger(__name__)

MAX_KEEP_DAYS = 36500  # a century; more reaches before year 1 and overflows the date
BATCH = 500


class HousekeepingError(ValueError):
    pass


@dataclass(frozen=True)
class History:
    name: str
    old: Callable[[dt.datetime], QuerySet]  # what is older than the cutoff and may go


def _old_jobs(cutoff: dt.datetime) -> QuerySet:
    return Job.objects.filter(status__in=Job.FINISHED).filter(
        Q(finished__lt=cutoff) | Q(finished__isnull=True, created__lt=cutoff)
    )


def _old_notifications(cutoff: dt.datetime) -> QuerySet:
    done = [OutboxMessage.State.SENT, OutboxMessage.State.RESOLVED]
    return OutboxMessage.objects.filter(state__in=done, updated__lt=cutoff)


CORE_HISTORIES = [History("notifications", _old_notifications), History("jobs", _old_jobs)]


def histories() -> list[History]:
    """What may be pruned: the apps' histories (``histories`` on their AppConfig) first, since
    theirs hang on core's rows (a notification's delivery attempts), then core's own."""
    return [*(load(spec) for spec in collect("histories")), *CORE_HISTORIES]


def keep_days() -> int:
    """settings.KEEP_HISTORY_DAYS ($ERPKEEPER_KEEP_HISTORY_DAYS): a value out of range is
    refused at start by the erpkeeper.E001 system check, and the default used."""
    return settings.KEEP_HISTORY_DAYS


def check_keep_days(days: int) -> int:
    if days < 0:
        raise HousekeepingError(_("Keep at least 0 days (0 keeps everything)."))
    if days > MAX_KEEP_DAYS:
        raise HousekeepingError(
            _("Keep at most %(max)d days (0 keeps everything).") % {"max": MAX_KEEP_DAYS}
        )
    return days


def queue_housekeeping(*, requested_by=None, days: int | None = None):
    """Queue the cleanup to run now (console, API, CLI); a run already queued or running is
    the one returned. ``days``: keep this many days instead of the setting."""

    params = {} if days is None else {"days": check_keep_days(days)}
    return enqueue("core.housekeeping", params=params, requested_by=requested_by, reuse_active=True)


def prune_history(
    *,
    days: int | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    on_batch: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Delete what is older than ``days`` (default: the setting); how many of each went.
    With ``dry_run``, only count. Batches of 500, each in its own transaction."""
    days = keep_days() if days is None else check_keep_days(days)
    if days == 0:
        return {history.name: 0 for history in histories()}
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    counts = {}
    for history in histories():
        if dry_run:
            counts[history.name] = history.old(cutoff).count()
        else:
            counts[history.name] = _delete_in_batches(history, cutoff, on_batch)
    if not dry_run and any(counts.values()):
        logger.info("housekeeping: deleted %s (older than %d days)", counts, days)
    return counts


def _delete_in_batches(history: History, cutoff, on_batch) -> int:
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(history.old(cutoff).values_list("pk", flat=True)[:BATCH])
            if not ids:
                return deleted
            # A model's own delete() (not a raw delete): the audit trail records each one, and
            # backups, restores and drills let go of their job run (SET_NULL).
            # Filtered again: a row that changed since it was read (e.g. pending again) stays.
            old = history.old(cutoff)
            _total, per_model = old.filter(pk__in=ids).delete()
        deleted += per_model.get(old.model._meta.label, 0)
        if on_batch is not None:
            on_batch(history.name, deleted)
