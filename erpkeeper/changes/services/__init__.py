"""Operations of the changes app for every interface (console, API, CLI, jobs): one function
each, in the module named after what it works on."""

from erpkeeper.changes.services.board import (
    approvals_needed,
    board,
    decide,
    latest_run,
    member_role,
)
from erpkeeper.changes.services.ci import change_numbers, receive, record, set_secret
from erpkeeper.changes.services.requests import (
    IllegalTransition,
    close,
    complete,
    create_change,
    record_go_no_go,
    review,
    start,
    submit,
    tick,
    update_change,
)
from erpkeeper.changes.services.safety import (
    request_due_safety_backups,
    request_safety_backups,
    safety_ok,
    safety_status,
)
from erpkeeper.changes.services.scheduling import schedule, schedule_problems
from erpkeeper.changes.services.versions import record_versions, save_release_note

__all__ = [
    "IllegalTransition",
    "approvals_needed",
    "board",
    "change_numbers",
    "close",
    "complete",
    "create_change",
    "decide",
    "latest_run",
    "member_role",
    "receive",
    "record",
    "record_go_no_go",
    "record_versions",
    "request_due_safety_backups",
    "request_safety_backups",
    "review",
    "safety_ok",
    "safety_status",
    "save_release_note",
    "schedule",
    "schedule_problems",
    "set_secret",
    "start",
    "submit",
    "tick",
    "update_change",
]
