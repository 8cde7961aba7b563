"""What a new installation starts with, so that the first ticket already has an SLA: one queue
(office hours in Beijing time, the Chinese calendar) and a policy per priority for every queue.
Created once, after the first migrate; people change or remove them freely afterwards."""

from __future__ import annotations

from django.db import transaction

from erpkeeper.core.audit import audit_context
from erpkeeper.servicedesk.models import Priority, Queue, SlaPolicy

DEFAULT_QUEUE = "Helpdesk"
HOUR, DAY = 60, 9 * 60  # a working day is 9 working hours (09:00-12:00, 13:00-18:00)
# priority: (first response, resolution) in working minutes
DEFAULT_TARGETS = {
    Priority.P1: (30, 4 * HOUR),
    Priority.P2: (2 * HOUR, DAY),
    Priority.P3: (4 * HOUR, 3 * DAY),
    Priority.P4: (DAY, 5 * DAY),
}


def ensure_defaults() -> bool:
    """Create the default queue and policies on a desk that has neither; True if it did."""
    if Queue.objects.exists() or SlaPolicy.objects.exists():
        return False
    with audit_context(actor_name="system:servicedesk", source="system"), transaction.atomic():
        Queue.objects.create(name=DEFAULT_QUEUE)
        for priority, (first, resolution) in DEFAULT_TARGETS.items():
            SlaPolicy.objects.create(
                name=f"{priority.value.upper()} standard",
                priority=priority,
                first_response_minutes=first,
                resolution_minutes=resolution,
            )
    return True


def create_defaults_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver (connected in ServicedeskConfig.ready)."""
    if sender.label == "servicedesk":
        ensure_defaults()
