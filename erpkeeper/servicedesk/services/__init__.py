"""Service desk operations for every interface (console, API, CLI, mail, jobs): one function
each. Other apps call these (the alerts app opens incidents through ``open_or_update_incident``).
"""

from erpkeeper.servicedesk.services.attachments import IncomingFile, check_files
from erpkeeper.servicedesk.services.calendar import (
    check_calendar_day,
    remove_calendar_day,
    set_calendar_day,
)
from erpkeeper.servicedesk.services.incidents import (
    note_alert_resolved,
    open_or_update_incident,
)
from erpkeeper.servicedesk.services.mail_in import MailOutcome, MailRejected, receive_mail
from erpkeeper.servicedesk.services.mail_out import send_pending
from erpkeeper.servicedesk.services.mailboxes import (
    PollResult,
    create_mailbox,
    poll_mailbox,
    remove_mailbox,
    request_poll,
    test_connection,
    update_mailbox,
)
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
    "check_calendar_day",
    "remove_calendar_day",
    "set_calendar_day",
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
    "PollResult",
    "assign",
    "change_status",
    "check_files",
    "close",
    "create_mailbox",
    "evaluate_sla",
    "merge",
    "note_alert_resolved",
    "open_or_update_incident",
    "open_ticket",
    "poll_mailbox",
    "priority_for",
    "rate",
    "receive_mail",
    "remove_mailbox",
    "render_canned",
    "reply",
    "request_poll",
    "send_pending",
    "set_parent",
    "test_connection",
    "update_mailbox",
    "update_ticket",
]
