"""Core subcommands: jobs and the worker, the audit trail, housekeeping."""

from __future__ import annotations

from erpkeeper.core.audit import cli as audit_cli
from erpkeeper.core.housekeeping import cli as housekeeping_cli
from erpkeeper.core.jobs import cli as jobs_cli


def register(sub) -> None:
    jobs_cli.register(sub)
    audit_cli.register(sub)
    housekeeping_cli.register(sub)
