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
