"""Which hosts a target runs on, for its charts, forecasts and alerts.

A target runs on the hosts linked to it, and on the host whose name is the target's host name
(an agent reports under its machine's name, which the team also types as the target's host:
without a link, those were strangers on each other's charts).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.targets.models import Target


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
    for target_id, host_id in _hosts_by_name(target_ids):
        if host_id not in placed.setdefault(target_id, []):
            placed[target_id].append(host_id)
    if len(placed) < len(target_ids):
        watching_all = list(
            Host.objects.filter(kind=HostKind.EMBEDDED, targets__isnull=True).values_list(
                "pk", flat=True
            )
        )
        for target_id in target_ids:
            placed.setdefault(target_id, watching_all)
    return placed


def _hosts_by_name(target_ids: list[int]) -> list[tuple[int, int]]:
    """(target id, host id) where the host's name is the target's host name (any case)."""
    targets_named: dict[str, list[int]] = {}
    named = Target.objects.filter(pk__in=target_ids).exclude(host_name="")
    for target_id, name in named.values_list("pk", "host_name"):
        targets_named.setdefault(name.lower(), []).append(target_id)
    if not targets_named:
        return []
    hosts = Host.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=targets_named)
    return [
        (target_id, host_id)
        for host_id, lower in hosts.values_list("pk", "lower_name")
        for target_id in targets_named[lower]
    ]


def targets_on(host: Host) -> QuerySet:
    """The targets running on ``host``: linked to it, or with its name as their host name."""
    return Target.objects.filter(Q(hosts=host) | Q(host_name__iexact=host.name)).distinct()
