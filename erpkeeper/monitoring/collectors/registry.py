"""Which collectors run: those of the host, and those of each target by database engine and ERP.

Shared by the embedded collector (targets from the database) and the agent (targets given on
its command line), hence no Django here either.
"""

from __future__ import annotations

from dataclasses import dataclass

from erpkeeper.lib import dburl
from erpkeeper.monitoring.collectors.base import Collector, logger
from erpkeeper.monitoring.collectors.hardware import HardwareCollector
from erpkeeper.monitoring.collectors.host import HostCollector
from erpkeeper.monitoring.collectors.mysql import MysqlCollector
from erpkeeper.monitoring.collectors.postgresql import PostgresCollector
from erpkeeper.monitoring.collectors.sqlite import SqliteCollector
from erpkeeper.monitoring.collectors.tryton import TrytonCollector, TrytonRpcCollector

ENGINE_COLLECTORS: dict[str, type[Collector]] = {
    "postgresql": PostgresCollector,
    "mysql": MysqlCollector,
    "sqlite": SqliteCollector,
}
ERP_COLLECTORS: dict[str, type[Collector]] = {"tryton": TrytonCollector}
ERP_RPC_COLLECTORS: dict[str, type[Collector]] = {"tryton": TrytonRpcCollector}


@dataclass(frozen=True)
class TargetSpec:
    """What the collectors need to know of a target; ``database_url`` is never logged."""

    name: str
    database_url: str
    erp_kind: str = "tryton"
    erp_server_url: str = ""

    @property
    def engine(self) -> str:
        return dburl.parse(self.database_url).engine


def host_collectors() -> list[Collector]:
    """The host's collectors that this machine can run (the others are logged once, with why)."""
    usable = []
    for collector in (HostCollector(), HardwareCollector()):
        if collector.available():
            usable.append(collector)
        else:
            logger.info(
                "collector %s not available: %s", collector.name, "; ".join(collector.reasons)
            )
    return usable


def target_collectors(spec: TargetSpec) -> list[Collector]:
    """Database and ERP collectors for one target; ``DatabaseUrlError`` for a bad URL."""
    engine = spec.engine
    collectors = []
    if engine in ENGINE_COLLECTORS:
        collectors.append(ENGINE_COLLECTORS[engine](spec.name, spec.database_url))
    if spec.erp_kind in ERP_COLLECTORS and engine != "mysql":  # Tryton runs on SQLite or PG
        collectors.append(ERP_COLLECTORS[spec.erp_kind](spec.name, spec.database_url))
    if spec.erp_server_url and spec.erp_kind in ERP_RPC_COLLECTORS:
        collectors.append(ERP_RPC_COLLECTORS[spec.erp_kind](spec.name, spec.erp_server_url))
    return collectors
