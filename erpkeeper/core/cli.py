"""Core subcommands: jobs and the worker, the audit trail, housekeeping."""

from __future__ import annotations

from erpkeeper.core import audit_cli, housekeeping_cli, jobs_cli


def register(sub) -> None:
    jobs_cli.register(sub)
    audit_cli.register(sub)
    housekeeping_cli.register(sub)
