"""Django looks for an app's models here: each area's models module is imported below."""

from erpkeeper.governance.compliance import models as compliance_models  # noqa: F401
from erpkeeper.governance.privacy import models as privacy_models  # noqa: F401
