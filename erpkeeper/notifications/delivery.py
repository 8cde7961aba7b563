"""Delivering the outbox: every pending message to every enabled channel that wants it.

``deliver_pending`` runs every minute (jobs.py). Each run:

1. lists the attempts due: a first attempt for each pending message and each matching channel
   not tried yet, and a next attempt where the last one failed and its retry time has come;
2. claims each attempt by inserting its ``Delivery`` row (unique per channel, message and
   attempt), so a second runner working at the same time skips it instead of sending twice;
3. sends, records the result, and then: a delivered message is marked sent (one channel is
   enough; the others keep their own record and retries); a failure worth retrying gets its
   next time from ``RETRY_DELAYS``; a permanent failure disables the channel.

A runner that dies mid-send leaves its claim with ``ok`` empty; the claim's ``next_retry_at``
(``IN_FLIGHT_GRACE`` later) makes it due again as if that attempt had failed.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications.channels.base import DeliveryResult
from erpkeeper.notifications.channels.text import notification_from
from erpkeeper.notifications.models import Channel, Delivery
from erpkeeper.notifications.services import attempt_send, disable_after_failure, record_result

logger = logging.getLogger(__name__)

RETRY_DELAYS = (
    dt.timedelta(seconds=30),
    dt.timedelta(minutes=2),
    dt.timedelta(minutes=10),
    dt.timedelta(minutes=30),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_RETRY_AFTER = dt.timedelta(hours=1)  # a service asking for longer is not waited for
# Longer than any send can take (connect + read timeouts), so a live claim never looks dead.
IN_FLIGHT_GRACE = dt.timedelta(minutes=5)
# The run is called inline by the once-a-minute scheduler: leave the minute to the others.
RUN_BUDGET_SECONDS = 45.0


@dataclass
class DeliveryRun:
    """What one run did (shown by ``erpkeeper channel deliver`` and the job)."""

    delivered: int = 0
    failed: int = 0
    claimed_elsewhere: int = 0
    deferred: int = 0
    disabled: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass(frozen=True)
class DueAttempt:
    channel: Channel
    message: OutboxMessage
    attempt: int


def deliver_pending(*, now=None, budget_seconds: float = RUN_BUDGET_SECONDS) -> DeliveryRun:
    """Send every attempt due at ``now`` (default: now). Safe to run in several processes."""
    now = now or timezone.now()
    deadline = time.monotonic() + budget_seconds
    run = DeliveryRun()
    for due in due_attempts(now):
        if time.monotonic() > deadline:
            run.deferred += 1  # still due at the next run
            continue
        if due.channel.name in run.disabled:
            continue
        _deliver(due, run)
    return run


def due_attempts(now) -> list[DueAttempt]:
    channels = list(Channel.objects.filter(enabled=True).prefetch_related("targets"))
    if not channels:
        return []
    return _first_attempts(channels) + _retries(channels, now)


def matching_channels(message: OutboxMessage, channels=None) -> list[Channel]:
    """The enabled channels that want ``message`` (severity and target filter).

    This is the hook for the alerts app's rules and escalation: whatever else
    decides who hears about a message (rules, on-call, escalation after N minutes) narrows or
    extends this list.
    """
    if channels is None:
        channels = Channel.objects.filter(enabled=True).prefetch_related("targets")
    return [channel for channel in channels if channel.accepts(message.severity, message.target)]


def next_retry_time(attempt: int, result: DeliveryResult):
    """When to try again after ``attempt`` failed this way; None when not to."""
    if result.ok or result.permanent or attempt >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempt - 1]
    if result.retry_after:
        delay = max(delay, min(dt.timedelta(seconds=result.retry_after), MAX_RETRY_AFTER))
    return timezone.now() + delay


def claim(channel: Channel, message: OutboxMessage, attempt: int) -> Delivery | None:
    """The attempt's row, or None when another runner inserted it first."""
    started = timezone.now()
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                channel=channel,
                message=message,
                attempt=attempt,
                started=started,
                next_retry_at=started + IN_FLIGHT_GRACE,
            )
    except IntegrityError:
        return None


# -- one attempt --------------------------------------------------------------------------------


def _deliver(due: DueAttempt, run: DeliveryRun) -> None:
    delivery = claim(due.channel, due.message, due.attempt)
    if delivery is None:
        run.claimed_elsewhere += 1
        return
    result = attempt_send(due.channel, notification_from(due.message))
    record_result(delivery, result, next_retry_time(due.attempt, result))
    if result.ok:
        run.delivered += 1
        outbox.mark_sent(due.message)
        logger.info("notification %s sent to %s", due.message.pk, due.channel.name)
        return
    run.failed += 1
    logger.warning(
        "notification %s to %s failed (attempt %s of %s): %s",
        due.message.pk,
        due.channel.name,
        due.attempt,
        MAX_ATTEMPTS,
        result.error,
    )
    if result.permanent:
        disable_after_failure(due.channel, result.error)
        run.disabled.append(due.channel.name)


def _first_attempts(channels: list[Channel]) -> list[DueAttempt]:
    pending = list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        .select_related("target")
        .order_by("created", "pk")
    )
    tried = set(
        Delivery.objects.filter(message__in=pending).values_list("message_id", "channel_id")
    )
    return [
        DueAttempt(channel, message, 1)
        for message in pending
        for channel in matching_channels(message, channels)
        if (message.pk, channel.pk) not in tried
    ]


def _retries(channels: list[Channel], now) -> list[DueAttempt]:
    by_pk = {channel.pk: channel for channel in channels}
    later_attempt = Delivery.objects.filter(
        channel=OuterRef("channel"), message=OuterRef("message"), attempt__gt=OuterRef("attempt")
    )
    failed = (
        Delivery.objects.filter(
            channel__in=list(by_pk),
            message__isnull=False,
            next_retry_at__lte=now,
            attempt__lt=MAX_ATTEMPTS,
        )
        .exclude(ok=True)
        .exclude(Exists(later_attempt))
        .select_related("message__target")
        .order_by("next_retry_at", "pk")
    )
    return [DueAttempt(by_pk[row.channel_id], row.message, row.attempt + 1) for row in failed]
