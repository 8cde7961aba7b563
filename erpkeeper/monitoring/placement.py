"""Which hosts a target runs on, for its charts, forecasts and alerts."""

from __future__ import annotations

from erpkeeper.monitoring.models import Host, HostKind


def hosts_running(target_id: int) -> list[int]:
    """The hosts linked to the target; when none is, the embedded host if it watches every
    target (it has no links of its own: the default, where ERPKeeper runs next to the ERP)."""
    linked = list(Host.objects.filter(targets=target_id).values_list("pk", flat=True))
    if linked:
        return linked
    return list(
        Host.objects.filter(kind=HostKind.EMBEDDED, targets__isnull=True).values_list(
            "pk", flat=True
        )
    )
