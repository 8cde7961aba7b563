"""The service desk's models: tickets and their setup (``tickets``), problem records and saved
filters (``problems``), mailboxes polled over IMAP (``mailboxes``), the portal's help searches
(``help``), days the holiday calendars get wrong (``calendar``)."""

from erpkeeper.servicedesk.models.calendar import CalendarDay, DayKind
from erpkeeper.servicedesk.models.help import HelpSearch
from erpkeeper.servicedesk.models.mailboxes import Mailbox, MailboxSecurity
from erpkeeper.servicedesk.models.problems import Problem, ProblemStatus, SavedFilter
from erpkeeper.servicedesk.models.tickets import (
    ACTIVE_STATUSES,
    OFFICE_HOURS,
    Announcement,
    AnnouncementLevel,
    Assignment,
    Attachment,
    CannedReply,
    Level,
    MailState,
    MessageKind,
    Priority,
    Queue,
    QueueSkill,
    SlaClockKind,
    SlaPolicy,
    SlaStatus,
    Ticket,
    TicketCategory,
    TicketKind,
    TicketMessage,
    TicketStatus,
    Via,
    default_business_hours,
)

__all__ = [
    "ACTIVE_STATUSES",
    "OFFICE_HOURS",
    "Announcement",
    "AnnouncementLevel",
    "Assignment",
    "CalendarDay",
    "DayKind",
    "Attachment",
    "CannedReply",
    "HelpSearch",
    "Level",
    "Mailbox",
    "MailboxSecurity",
    "MailState",
    "MessageKind",
    "Priority",
    "Problem",
    "ProblemStatus",
    "Queue",
    "QueueSkill",
    "SavedFilter",
    "SlaClockKind",
    "SlaPolicy",
    "SlaStatus",
    "Ticket",
    "TicketCategory",
    "TicketKind",
    "TicketMessage",
    "TicketStatus",
    "Via",
    "default_business_hours",
]
