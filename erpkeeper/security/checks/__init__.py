"""Security checks of targets (issue 12 section 5): one module per database engine plus the
ERP's own, each a tuple of ``Check`` (base.py), run read-only under a statement timeout
(connection.py)."""

from __future__ import annotations

from erpkeeper.security.checks import erp, mysql, postgresql, sqlite
from erpkeeper.security.checks.base import Check

BY_ENGINE = {"postgresql": postgresql.CHECKS, "mysql": mysql.CHECKS, "sqlite": sqlite.CHECKS}
BY_ERP = {"tryton": erp.CHECKS}


def checks_for(engine: str, erp_kind: str) -> tuple[Check, ...]:
    return BY_ENGINE.get(engine, ()) + BY_ERP.get(erp_kind, ())


def catalogue() -> dict[str, Check]:
    """Every check by id (for the console and the API to describe a stored result)."""
    every = [c for checks in (*BY_ENGINE.values(), *BY_ERP.values()) for c in checks]
    return {check.id: check for check in every}
