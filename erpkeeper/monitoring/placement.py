"""Which hosts a target runs on, for its charts, forecasts and alerts."""

from __future__ import annotations

from collections.abc import Iterable

from erpkeeper.monitoring.models import Host, HostKind


def hosts_running(target_id: int) -> list[int]:
    """The hosts linked to the target; when none is, the embedded host if it watches every
    target (it has no links of its own: the default, where ERPKeeper runs next to the ERP)."""
    return hosts_running_each([target_id])[target_id]


def hosts_running_each(target_ids: Iterable[int]) -> dict[int, list[int]]:
    """``hosts_running`` for several targets in two queries (the dashboard's cards)."""
    target_ids = list(target_ids)
    links = Host.targets.through.objects.filter(target_id__in=target_ids)
    placed: dict[int, list[int]] = {}
    for target_id, host_id in links.values_list("target_id", "host_id"):
        placed.setdefault(target_id, []).append(host_id)
    if len(placed) < len(target_ids):
        watching_all = list(
            Host.objects.filter(kind=HostKind.EMBEDDED, targets__isnull=True).values_list(
                "pk", flat=True
            )
        )
        for target_id in target_ids:
            placed.setdefault(target_id, watching_all)
    return placed
