"""Mail in: one RFC 822 message (from a mail server's pipe or a mailbox) becomes a new ticket or
a reply on the ticket it answers.

1. Parse with the standard ``email`` package (``policy.default``: RFC 2047 subjects such as
   ``=?GB18030?B?…?=`` and RFC 2231 file names are decoded). No sender: refused, nothing written.
2. Drop what must not be answered: auto-replies and bulk mail (Auto-Submitted, Precedence,
   X-Autoreply), delivery reports, our own mail coming back, a message already received.
3. Find the ticket: a Message-ID of its mail in In-Reply-To/References, else its number in the
   subject. The reply joins it when it comes from the requester or an agent, and the ticket can
   still take it; otherwise a new ticket opens (a follow-up of a closed one).
4. The body is the plain text part, or the HTML part made text. Attachments within the limits
   are kept; refused ones are listed in an internal note.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from erpkeeper.lib.cli import validation_text
from erpkeeper.servicedesk.models import (
    MessageKind,
    Queue,
    Ticket,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import tickets
from erpkeeper.servicedesk.services.attachments import (
    IncomingFile,
    atomic_with_files,
    problem_with,
)
from erpkeeper.servicedesk.services.mail_out import is_own_message_id

AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Reply")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
MAX_BODY = 100_000


class MailRejected(Exception):
    """The message cannot be taken (malformed); the text is one line for the mail server."""


@dataclass
class MailOutcome:
    action: str  # "created", "replied" or "ignored"
    ticket: Ticket | None = None
    reason: str = ""
    refused: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "action": self.action,
            "ticket": self.ticket.number if self.ticket else None,
            "reason": self.reason,
            "refused_attachments": self.refused,
        }


@dataclass
class Incoming:
    """What a mail says, read once."""

    sender: Address
    subject: str
    body: str
    message_id: str
    thread_ids: list[str]
    recipients: list[str]
    files: list[IncomingFile]


def receive_mail(raw: bytes, *, queue: Queue | None = None) -> MailOutcome:
    """File one message. A new ticket goes to ``queue`` when given (a polled mailbox's queue),
    else to the queue of the address it was sent to. The same message received again (the
    mail server retried the pipe, the poller could not mark it read) is ignored."""
    message = parse(raw)
    ignored = reason_to_ignore(message)
    if ignored:
        return MailOutcome("ignored", reason=ignored)
    incoming = read(message)
    if not incoming.message_id:
        # No Message-ID: one made of the content, so that receiving it twice is noticed.
        incoming.message_id = f"<{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id.invalid>"
    if (
        incoming.message_id
        and TicketMessage.objects.filter(mail_message_id=incoming.message_id).exists()
    ):
        return MailOutcome("ignored", reason="already received")
    kept = [f for f in incoming.files if problem_with(f) is None]
    refused = [problem for f in incoming.files if (problem := problem_with(f))]
    try:
        with atomic_with_files():
            outcome = _file(incoming, kept, queue)
            if refused:
                _note_refused(outcome.ticket, refused)
    except ValidationError as exc:
        raise MailRejected(validation_text(exc)) from None
    outcome.refused = refused
    return outcome


# -- reading ---------------------------------------------------------------------------------------


def parse(raw: bytes) -> EmailMessage:
    if not raw or not raw.strip():
        raise MailRejected("empty message")
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        sender = sender_of(message)
    except (ValueError, TypeError, IndexError, LookupError) as exc:
        raise MailRejected(f"malformed message: {exc}") from None
    if sender is None:
        raise MailRejected("malformed message: no sender address (From)")
    return message


def sender_of(message: EmailMessage) -> Address | None:
    header = message["From"]
    addresses = getattr(header, "addresses", ()) if header is not None else ()
    for address in addresses:
        if address.username and address.domain:
            return address
    return None


def reason_to_ignore(message: EmailMessage) -> str:
    """Why a message must not open or join a ticket (it would start a mail loop)."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"automatic message (Auto-Submitted: {auto})"
    if str(message.get("Precedence", "")).strip().lower() in AUTO_PRECEDENCE:
        return "bulk or automatic message (Precedence)"
    for name in AUTO_HEADERS:
        if message.get(name) is not None:
            return f"automatic reply ({name})"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if is_own_message_id(str(message.get("Message-ID", ""))):
        return "our own message"
    sender = sender_of(message)
    if sender and Queue.objects.filter(email__iexact=sender.addr_spec).exists():
        return "sent by one of our queue addresses"
    return ""


def read(message: EmailMessage) -> Incoming:
    try:
        subject = " ".join(str(message.get("Subject", "")).split())
        body = body_text(message)
        files = list(attachments_of(message))
    except (ValueError, TypeError, LookupError, AttributeError) as exc:
        raise MailRejected(f"malformed message: {exc}") from None
    return Incoming(
        sender=sender_of(message),
        subject=subject,
        body=body,
        message_id=_first_id(str(message.get("Message-ID", ""))),
        thread_ids=_ids(message, "In-Reply-To") + _ids(message, "References"),
        recipients=[
            address.lower()
            for name in ("To", "Cc", "Delivered-To", "X-Original-To")
            for _display, address in getaddresses([str(h) for h in message.get_all(name, [])])
            if address
        ],
        files=files,
    )


def _first_id(text: str) -> str:
    found = MESSAGE_ID.search(text)
    return found.group(0)[:255] if found else ""


def _ids(message: EmailMessage, header: str) -> list[str]:
    return [
        found for value in message.get_all(header, []) for found in MESSAGE_ID.findall(str(value))
    ]


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = html_to_text(content)
    return without_quoted_tail(content).strip()[:MAX_BODY]


def without_quoted_tail(text: str) -> str:
    """Drop the quoted earlier mail at the end of a reply ("> …" lines)."""
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def attachments_of(message: EmailMessage):
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        content = part.get_payload(decode=True) or b""
        content_type = part.get_content_type()
        name = part.get_filename() or (
            "attachment" + (mimetypes.guess_extension(content_type) or "")
        )
        yield IncomingFile(name=name, content=content, content_type=content_type)


class _TextFromHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# -- filing ----------------------------------------------------------------------------------------


def _file(incoming: Incoming, files: list[IncomingFile], queue: Queue | None) -> MailOutcome:
    ticket = ticket_answered(incoming)
    author = user_with_address(incoming.sender.addr_spec)
    if ticket is not None and _may_join(ticket, incoming, author):
        tickets.reply(
            ticket,
            incoming.body or incoming.subject or "-",
            author=author,
            author_email=incoming.sender.addr_spec,
            via=Via.MAIL,
            attachments=files,
            mail_message_id=incoming.message_id,
        )
        ticket.refresh_from_db()
        return MailOutcome("replied", ticket)
    created = tickets.open_ticket(
        subject=incoming.subject or _("(no subject)"),
        body=incoming.body or incoming.subject or _("(no text)"),
        requester=author,
        requester_email=incoming.sender.addr_spec,
        requester_name=incoming.sender.display_name[:150],
        queue=queue or queue_for(incoming.recipients),
        via=Via.MAIL,
        attachments=files,
        mail_message_id=incoming.message_id,
        parent=ticket,  # a follow-up of the closed ticket it answered, if any
    )
    return MailOutcome("created", created)


def ticket_answered(incoming: Incoming) -> Ticket | None:
    """The ticket this mail answers, by its threading headers, else by the number in its
    subject; a merged ticket leads to the one it was merged into."""
    ticket = None
    if incoming.thread_ids:
        message = (
            TicketMessage.objects.filter(mail_message_id__in=incoming.thread_ids[-50:])
            .select_related("ticket")
            .order_by("-pk")
            .first()
        )
        ticket = message.ticket if message else None
    if ticket is None:
        number = number_in(incoming.subject)
        ticket = Ticket.objects.filter(number=number).first() if number else None
    while ticket is not None and ticket.merged_into_id:
        ticket = ticket.merged_into
    return ticket


def number_in(subject: str) -> str:
    prefix = re.escape(settings.SERVICEDESK_TICKET_PREFIX)
    found = re.search(rf"\b{prefix}-\d{{4}}-\d{{6,}}\b", subject)
    return found.group(0) if found else ""


def _may_join(ticket: Ticket, incoming: Incoming, author) -> bool:
    """From the requester or an agent, and the ticket still takes replies."""
    agent = author is not None and author.has_perm("servicedesk.change_ticket")
    if not (tickets.is_requester(ticket, author, incoming.sender.addr_spec) or agent):
        return False
    if ticket.status == TicketStatus.CLOSED:
        return False
    if ticket.status == TicketStatus.RESOLVED and not agent:
        return tickets.may_reopen(ticket)
    return True


def user_with_address(address: str):
    return (
        get_user_model()
        .objects.filter(email__iexact=address, is_active=True)
        .order_by("pk")
        .first()
    )


def queue_for(recipients: list[str]) -> Queue | None:
    """The queue the mail was sent to: an address written exactly so first (by queue name),
    else the first recipient that matches one in any case; else the default queue. One query
    for the queues' addresses (a handful of teams), not one per recipient."""
    if recipients:
        queues = list(Queue.objects.exclude(email="").order_by("name"))
        exact = next((queue for queue in queues if queue.email in recipients), None)
        if exact is not None:
            return exact
        for address in recipients:
            for queue in queues:
                if queue.email.lower() == address:
                    return queue
    return tickets.default_queue()


def _note_refused(ticket: Ticket, refused: list[str]) -> None:
    text = _("Attachments not kept:") + "\n" + "\n".join(f"- {line}" for line in refused)
    TicketMessage.objects.create(ticket=ticket, kind=MessageKind.NOTE, body=text, via=Via.SYSTEM)
