"""Service desk operations for every interface (console, API, CLI, mail, jobs): one function
each. Other apps call these (the alerts app opens incidents through ``open_or_update_incident``).
"""

from erpkeeper.servicedesk.services.attachments import IncomingFile, check_files
from erpkeeper.servicedesk.services.incidents import (
    note_alert_resolved,
    open_or_update_incident,
)
from erpkeeper.servicedesk.services.mail_in import MailOutcome, MailRejected, receive_mail
from erpkeeper.servicedesk.services.mail_out import send_pending
from erpkeeper.servicedesk.services.problems import (
    close_problem,
    create_problem,
    link,
    publish_workaround,
    record_diagnosis,
    resolve_problem,
    tickets_by_numbers,
    unlink,
    update_problem,
)
from erpkeeper.servicedesk.services.saved_filters import (
    SavedFilterError,
    apply_saved_filter,
    find_saved_filter,
    save_filter,
    visible_filters,
)
from erpkeeper.servicedesk.services.sla import evaluate_sla, priority_for
from erpkeeper.servicedesk.services.tickets import (
    assign,
    change_status,
    close,
    merge,
    open_ticket,
    rate,
    render_canned,
    reply,
    set_parent,
    update_ticket,
)

__all__ = [
    "SavedFilterError",
    "apply_saved_filter",
    "close_problem",
    "create_problem",
    "find_saved_filter",
    "link",
    "publish_workaround",
    "record_diagnosis",
    "resolve_problem",
    "save_filter",
    "tickets_by_numbers",
    "unlink",
    "update_problem",
    "visible_filters",
    "IncomingFile",
    "MailOutcome",
    "MailRejected",
    "assign",
    "change_status",
    "check_files",
    "close",
    "evaluate_sla",
    "merge",
    "note_alert_resolved",
    "open_or_update_incident",
    "open_ticket",
    "priority_for",
    "rate",
    "receive_mail",
    "render_canned",
    "reply",
    "send_pending",
    "set_parent",
    "update_ticket",
]
