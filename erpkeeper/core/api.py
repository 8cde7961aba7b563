"""Core's API: job runs and the audit trail, each from its own package."""

from erpkeeper.core.audit import api as audit_api
from erpkeeper.core.jobs import api as jobs_api


def register(router) -> None:
    jobs_api.register(router)
    audit_api.register(router)
