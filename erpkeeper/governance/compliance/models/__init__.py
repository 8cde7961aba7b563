"""Models of governance.compliance (imported by erpkeeper.governance.models): the framework
library (frameworks, requirements, their updates), controls and their review tasks, and the
results of evaluating controls (results, manual evidence, exceptions, assessments)."""

from erpkeeper.governance.compliance.models.controls import (
    Control,
    ControlReview,
    Frequency,
    ReviewStatus,
)
from erpkeeper.governance.compliance.models.library import (
    Framework,
    FrameworkUpdate,
    Requirement,
)
from erpkeeper.governance.compliance.models.results import (
    Assessment,
    ControlException,
    ControlResult,
    ManualEvidence,
)

__all__ = [
    "Assessment",
    "Control",
    "ControlException",
    "ControlResult",
    "ControlReview",
    "Framework",
    "FrameworkUpdate",
    "Frequency",
    "ManualEvidence",
    "Requirement",
    "ReviewStatus",
]
