"""Django's autodiscovery imports this module for job kinds: each area's jobs register here."""

from erpkeeper.governance.compliance import jobs as compliance_jobs  # noqa: F401
