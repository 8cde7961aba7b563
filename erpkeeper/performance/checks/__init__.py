"""The database checks, one module per engine behind ``base.EngineChecks`` and its registry."""

from erpkeeper.performance.checks import mysql, postgresql, sqlite  # noqa: F401  (register)
from erpkeeper.performance.checks.base import (
    CheckContext,
    EngineChecks,
    Observation,
    QuerySeen,
    for_engine,
)
from erpkeeper.performance.checks.connection import CheckError, InspectConnection, StatementTimeout

__all__ = [
    "CheckContext",
    "CheckError",
    "EngineChecks",
    "InspectConnection",
    "Observation",
    "QuerySeen",
    "StatementTimeout",
    "for_engine",
]
