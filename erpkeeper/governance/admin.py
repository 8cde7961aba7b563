"""Django's admin autodiscovery imports this module: each area's admin registers itself."""

from erpkeeper.governance.compliance import admin as compliance_admin  # noqa: F401
from erpkeeper.governance.privacy import admin as privacy_admin  # noqa: F401
