"""The notifications app's part of the daily housekeeping: old delivery attempts."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from erpkeeper.core.housekeeping import History
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications.models import Delivery


def _old_deliveries(cutoff: dt.datetime) -> QuerySet:
    # The attempts of a pending notification decide its retries: they stay with it.
    return Delivery.objects.filter(started__lt=cutoff).exclude(
        message__state=OutboxMessage.State.PENDING
    )


# Pruned before the notifications themselves: most would go with them otherwise, uncounted.
DELIVERIES = History("deliveries", _old_deliveries)
