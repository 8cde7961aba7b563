"""Job kinds of governance (found by core.jobs' autodiscovery): each area's jobs module."""

from erpkeeper.governance.compliance import jobs as compliance_jobs  # noqa: F401
from erpkeeper.governance.privacy import jobs as privacy_jobs  # noqa: F401
