"""Every operation of governance.compliance; the console, the API, the CLI and jobs call these."""

from erpkeeper.governance.compliance.services.controls import (
    ControlSetResult,
    add_exception,
    add_manual_evidence,
    load_builtin_controls,
    resolve_review,
    set_requirements,
)
from erpkeeper.governance.compliance.services.evaluation import (
    ASSESS_KIND,
    Evaluation,
    assess,
    assess_frameworks,
    available_collectors,
    combine,
    control_statuses,
    evaluate,
    request_assessment,
    run_assessment_job,
    trend,
)
from erpkeeper.governance.compliance.services.library import (
    LoadResult,
    Outcome,
    builtin_files,
    load_builtin,
    load_library,
    validate_library,
)

__all__ = [
    "ASSESS_KIND",
    "ControlSetResult",
    "Evaluation",
    "LoadResult",
    "Outcome",
    "add_exception",
    "add_manual_evidence",
    "assess",
    "assess_frameworks",
    "available_collectors",
    "builtin_files",
    "combine",
    "control_statuses",
    "evaluate",
    "load_builtin",
    "load_builtin_controls",
    "load_library",
    "request_assessment",
    "resolve_review",
    "run_assessment_job",
    "set_requirements",
    "trend",
    "validate_library",
]
