"""Security checks of targets (issue 12 section 5): one module per database engine plus the
ERP's own, each a tuple of ``Check`` (base.py), run read-only under a statement timeout
(connection.py)."""

from __future__ import annotations

from erpkeeper.security.checks import erp, mysql, postgresql, sqlite, trytond_conf
from erpkeeper.security.checks.base import Check

BY_ENGINE = {"postgresql": postgresql.CHECKS, "mysql": mysql.CHECKS, "sqlite": sqlite.CHECKS}
BY_ERP = {"tryton": erp.CHECKS}


def checks_for(engine: str, erp_kind: str, *, config_file: bool = False) -> tuple[Check, ...]:
    """The checks of a database engine and an ERP kind; those of trytond.conf only when its
    path is configured for the target."""
    found = BY_ENGINE.get(engine, ()) + BY_ERP.get(erp_kind, ())
    if config_file and erp_kind == "tryton":
        found += trytond_conf.CHECKS
    return found


def catalogue() -> dict[str, Check]:
    """Every check by id (for the console and the API to describe a stored result)."""
    every = [
        c for checks in (*BY_ENGINE.values(), *BY_ERP.values(), trytond_conf.CHECKS) for c in checks
    ]
    return {check.id: check for check in every}
