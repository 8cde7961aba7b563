"""Mail to requesters: the acknowledgement with the ticket's number, agents' public replies and
the "resolved" notice, sent through the notifications app's e-mail channel (``core.mail``).

A message to mail is marked *pending* in the same transaction as the reply; it is sent once the
transaction commits, and the service desk loop retries those still pending (the SMTP server
was down). Each carries a Message-ID of ours (``<erpkeeper.…@host>``) and threads to the
ticket's earlier mail, so the requester's answer comes back to the same ticket, and our own
mail coming back in is recognised (no loops).
"""

from __future__ import annotations

import logging
import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from erpkeeper.accounts.models import Profile
from erpkeeper.core import mail
from erpkeeper.servicedesk.models import MailState, MessageKind, Ticket, TicketMessage, Via

logger = logging.getLogger(__name__)

OWN_PREFIX = "<erpkeeper."
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_REFERENCES = 10


def new_message_id() -> str:
    host = urlsplit(settings.PUBLIC_URL).hostname or "erpkeeper.local"
    return f"{OWN_PREFIX}{secrets.token_hex(12)}@{host}>"


def is_own_message_id(message_id: str) -> bool:
    return message_id.strip().startswith(OWN_PREFIX)


def subject_tag(ticket: Ticket) -> str:
    return f"[{ticket.number}]"


def language_for(ticket: Ticket, seen: str | None = None) -> str:
    """The requester's chosen language, else the one they were seen reading (``seen``), else
    Chinese for a Chinese subject, else the default."""
    if ticket.requester_id:
        chosen = Profile.objects.filter(user_id=ticket.requester_id).values_list(
            "language", flat=True
        )
        if chosen.first():
            return chosen.first()
    if seen:
        return seen
    return "zh-hans" if CJK.search(ticket.subject) else settings.LANGUAGE_CODE


# -- what is mailed --------------------------------------------------------------------------------


def acknowledge(ticket: Ticket, language: str | None = None) -> TicketMessage | None:
    """Tell the requester the new ticket's number (a public message of the system), in
    ``language`` when the requester's is known from where they are (the portal page they
    read), else as ``language_for`` decides."""
    with translation.override(language_for(ticket, language)):
        text = _(
            "We have received your request and opened ticket %(number)s. Reply to this "
            "e-mail to add to it."
        ) % {"number": ticket.number}
    return _system_message(ticket, text)


def tell_resolved(ticket: Ticket) -> TicketMessage | None:
    with translation.override(language_for(ticket)):
        text = _(
            "Ticket %(number)s is resolved. If the problem is still there, reply within "
            "%(days)d days to reopen it."
        ) % {"number": ticket.number, "days": settings.SERVICEDESK_REOPEN_DAYS}
    return _system_message(ticket, text)


def _system_message(ticket: Ticket, text: str) -> TicketMessage | None:
    if not ticket.requester_address:
        return None
    message = TicketMessage.objects.create(
        ticket=ticket,
        kind=MessageKind.REPLY,
        body=text,
        via=Via.SYSTEM,
        mail_state=MailState.PENDING,
        mail_message_id=new_message_id(),
    )
    _send_after_commit(message.pk)
    return message


def queue_reply(ticket: Ticket, message: TicketMessage) -> None:
    """An agent's public reply goes to the requester."""
    if not ticket.requester_address:
        return
    message.mail_state = MailState.PENDING
    message.mail_message_id = message.mail_message_id or new_message_id()
    message.save(update_fields=["mail_state", "mail_message_id"])
    _send_after_commit(message.pk)


def _send_after_commit(message_id: int) -> None:
    transaction.on_commit(lambda: send_message_mail(message_id))


# -- sending ---------------------------------------------------------------------------------------


def send_message_mail(message_id: int) -> bool:
    """Send one pending message; True when it went out. At most once: it is claimed (marked
    sent) first, and set back to pending if sending fails in a way worth retrying."""
    claimed = TicketMessage.objects.filter(pk=message_id, mail_state=MailState.PENDING).update(
        mail_state=MailState.SENT, mail_error=""
    )
    if not claimed:
        return False
    message = TicketMessage.objects.select_related("ticket").get(pk=message_id)
    try:
        mail.send(outgoing(message))
    except mail.MailNotSent as exc:
        state = MailState.FAILED if exc.permanent else MailState.PENDING
        TicketMessage.objects.filter(pk=message_id).update(
            mail_state=state, mail_error=str(exc)[:500]
        )
        logger.warning("servicedesk: mail for %s not sent: %s", message.ticket.number, exc)
        return False
    return True


def send_pending(limit: int = 200) -> int:
    """Send what is still pending (the loop calls it); returns how many went out."""
    pending = TicketMessage.objects.filter(mail_state=MailState.PENDING).order_by("pk")
    return sum(send_message_mail(pk) for pk in pending.values_list("pk", flat=True)[:limit])


def outgoing(message: TicketMessage) -> mail.OutgoingMail:
    ticket = message.ticket
    references = thread_ids(ticket, before=message)
    with translation.override(language_for(ticket)):
        footer = _("Ticket %(number)s · reply above this line to answer.") % {
            "number": ticket.number
        }
    subject = f"{subject_tag(ticket)} {ticket.subject}"
    return mail.OutgoingMail(
        to=(ticket.requester_address,),
        subject=f"Re: {subject}" if references else subject,
        body=f"{message.body}\n\n-- \n{footer}\n",
        message_id=message.mail_message_id,
        in_reply_to=references[-1] if references else "",
        references=tuple(references[-MAX_REFERENCES:]),
        reply_to=ticket.queue.email if ticket.queue_id and ticket.queue.email else "",
        # Our mail is automatic: a well-behaved auto-responder does not answer it.
        headers={"Auto-Submitted": "auto-replied"} if message.via == Via.SYSTEM else {},
    )


def thread_ids(ticket: Ticket, before: TicketMessage | None = None) -> list[str]:
    """The Message-IDs of the ticket's earlier mail, oldest first."""
    messages = ticket.messages.exclude(mail_message_id="")
    if before is not None:
        messages = messages.filter(pk__lt=before.pk)
    return list(messages.order_by("pk").values_list("mail_message_id", flat=True))
