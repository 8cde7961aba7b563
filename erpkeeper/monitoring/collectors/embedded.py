"""The embedded local collector: this machine and its targets, ingested without HTTP.

Runs inside the ERPKeeper server (the worker that runs the scheduler, see ``jobs.py``). It
collects the host's metrics and, for every target on this machine (the targets linked to the
embedded host, or all targets when none are linked), the database's and the ERP's, then hands
them to storage's ``ingest`` for the embedded host.
"""

from __future__ import annotations

import datetime as dt

from erpkeeper.monitoring.collectors.base import (
    Collector,
    CollectorError,
    Sample,
    collect_safely,
    logger,
    one_line,
)
from erpkeeper.monitoring.collectors.registry import TargetSpec, host_collectors, target_collectors
from erpkeeper.monitoring.tsdb.ingest import MetricSample, embedded_host, ingest
from erpkeeper.targets.models import Target


class UnusableTarget(Collector):
    """Stands for a target whose collectors cannot be made (bad URL, undecryptable secret)."""

    name = "target"

    def __init__(self, target: str, reason: str):
        super().__init__(target)
        self.reason = reason

    def collect(self, now):
        raise CollectorError(self.reason)


class EmbeddedCollector:
    def __init__(self):
        self.host = host_collectors()
        # target id -> (what the collectors were made from, the collectors)
        self._targets: dict[int, tuple[tuple, list[Collector]]] = {}

    def collect(self, now: dt.datetime) -> list[Sample]:
        samples = []
        for collector in [*self.host, *self._target_collectors()]:
            samples.extend(collect_safely(collector, now))
        return samples

    def collect_and_ingest(self, now: dt.datetime | None = None):
        """One round: collect everything and ingest it for the embedded host."""
        samples = self.collect(now or dt.datetime.now(dt.UTC))
        return ingest(embedded_host(), [MetricSample(**vars(sample)) for sample in samples])

    def close(self) -> None:
        for collector in [*self.host, *self._all_target_collectors()]:
            collector.close()

    def _all_target_collectors(self) -> list[Collector]:
        return [c for _, collectors in self._targets.values() for c in collectors]

    def _target_collectors(self) -> list[Collector]:
        """The collectors of the current targets, remade only for targets that changed."""
        current = {}
        for target in local_targets():
            made_from = (
                target.name,
                target.kind,
                target.database_url_encrypted,
                target.erp_server_url,
            )
            known = self._targets.get(target.pk)
            if known is None or known[0] != made_from:
                if known is not None:
                    for collector in known[1]:
                        collector.close()
                known = (made_from, collectors_for(target))
            current[target.pk] = known
        for target_id in self._targets.keys() - current.keys():
            for collector in self._targets[target_id][1]:
                collector.close()
        self._targets = current
        return self._all_target_collectors()


def local_targets():
    """Targets linked to the embedded host; all targets when it has none (the default)."""
    linked = list(embedded_host().targets.order_by("name"))
    return linked or list(Target.objects.order_by("name"))


def collectors_for(target) -> list[Collector]:
    try:
        spec = TargetSpec(target.name, target.database_url, target.kind, target.erp_server_url)
        return target_collectors(spec)
    except Exception as exc:  # noqa: BLE001  (a bad target must not stop the others)
        logger.warning("target %s cannot be monitored: %s", target.name, one_line(exc))
        return [UnusableTarget(target.name, one_line(exc))]
