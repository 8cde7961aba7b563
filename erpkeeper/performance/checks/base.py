"""What a database engine's checks share: what they observe, and the registry by engine.

An engine module (``postgresql.py``, ``sqlite.py``, ``mysql.py``) subclasses ``EngineChecks``,
lists its checks (methods named in ``checks``) and registers with ``@register``. Each check reads
through ``ctx.db`` (every statement under the advisor's time limit) and reports
``Observation``s; a check that fails (a timeout, a missing privilege) is recorded as not run,
and the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed


@dataclass
class Observation:
    """A problem one check saw now: ``check`` + ``subject`` name it across runs."""

    check: str
    severity: str  # a models.Severity value
    numbers: dict = field(default_factory=dict)
    subject: str = ""


@dataclass
class QuerySeen:
    """A query and its statistics as the engine reports them (text with or without values)."""

    text: str
    source: str
    calls: int = 0
    total_ms: float = 0.0
    mean_ms: float = 0.0
    rows: int = 0
    cache_hit_ratio: float | None = None


@dataclass
class TableInfo:
    rows: int
    indexes: list[list[str]]  # the columns of each index, in order


@dataclass
class CheckContext:
    db: BoundedConnection
    host_ram_bytes: int | None = None
    observations: list[Observation] = field(default_factory=list)
    queries: list[QuerySeen] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # {"msgid", "params"}: shown with the run

    def observe(self, check: str, severity: str, subject: str = "", **numbers) -> None:
        self.observations.append(Observation(check, severity, numbers, subject))

    def note(self, msgid: str, **params) -> None:
        note = {"msgid": msgid, "params": params}
        if note not in self.notes:  # several checks may meet the same missing grant
            self.notes.append(note)


@dataclass
class CheckOutcome:
    name: str
    seconds: float
    error: str = ""


class EngineChecks:
    """Base of one engine's checks. ``checks``: names of methods ``(ctx) -> None``."""

    engine = ""
    dialect = ""  # sqlglot's dialect name
    checks: tuple[str, ...] = ()

    def run(self, ctx: CheckContext) -> list[CheckOutcome]:
        outcomes = []
        for name in self.checks:
            started = time.monotonic()
            error = ""
            try:
                getattr(self, name)(ctx)
            except ConnectionFailed as exc:
                error = str(exc)
            outcomes.append(CheckOutcome(name, round(time.monotonic() - started, 3), error))
        return outcomes

    # What the index advisor asks of an engine (all read-only, all under the time limit).
    def table_info(self, db: BoundedConnection, table: str) -> TableInfo | None:
        raise NotImplementedError

    def distinct_values(self, db: BoundedConnection, table: str, column: str) -> float | None:
        """How many different values ``column`` holds (an estimate is enough)."""
        raise NotImplementedError

    def explain(self, db: BoundedConnection, sql: str) -> tuple[str, float | None]:
        """The plan of a read (never executed) as text, and its cost where the engine has one."""
        raise NotImplementedError

    def index_bytes(self, db: BoundedConnection, name: str) -> int | None:
        raise NotImplementedError

    def create_index_sql(self, name: str, table: str, columns: list[str], *, online: bool) -> str:
        cols = ", ".join(quote(c) for c in columns)
        return f"CREATE INDEX {quote(name)} ON {quote(table)} ({cols})"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_registry: dict[str, Callable[[], EngineChecks]] = {}


def register(cls: type[EngineChecks]) -> type[EngineChecks]:
    _registry[cls.engine] = cls
    return cls


def for_engine(engine: str) -> EngineChecks | None:
    cls = _registry.get(engine)
    return cls() if cls is not None else None


def engines() -> Iterator[str]:
    return iter(sorted(_registry))
