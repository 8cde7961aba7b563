"""The changes app's models: ERP versions, change requests and their calendar, CI runs."""

from erpkeeper.changes.models.ci import CiSecret, CiSource, PipelineRun, PipelineStatus, Repository
from erpkeeper.changes.models.requests import (
    AdvisoryBoard,
    Approval,
    BlackoutWindow,
    ChangeRequest,
    ChangeState,
    ChangeTemplate,
    ChangeType,
    ChecklistItem,
    Decision,
    GoNoGo,
    Outcome,
    RiskLevel,
    SafetyBackup,
)
from erpkeeper.changes.models.versions import ModuleChange, ReleaseNote, VersionSnapshot

__all__ = [
    "AdvisoryBoard",
    "Approval",
    "BlackoutWindow",
    "ChangeRequest",
    "ChangeState",
    "ChangeTemplate",
    "ChangeType",
    "ChecklistItem",
    "CiSecret",
    "CiSource",
    "Decision",
    "GoNoGo",
    "ModuleChange",
    "Outcome",
    "PipelineRun",
    "PipelineStatus",
    "ReleaseNote",
    "Repository",
    "RiskLevel",
    "SafetyBackup",
    "VersionSnapshot",
]
