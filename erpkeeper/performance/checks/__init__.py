"""The database checks, one module per engine behind ``base.EngineChecks`` and its registry."""

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed, StatementTimeout
from erpkeeper.performance.checks import mysql, postgresql, sqlite  # noqa: F401  (register)
from erpkeeper.performance.checks.base import (
    CheckContext,
    EngineChecks,
    Observation,
    QuerySeen,
    for_engine,
)

__all__ = [
    "CheckContext",
    "ConnectionFailed",
    "EngineChecks",
    "BoundedConnection",
    "Observation",
    "QuerySeen",
    "StatementTimeout",
    "for_engine",
]
