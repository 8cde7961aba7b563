"""Mail to a person (a ticket's requester): a port between the apps that write such mail and
the one that owns the SMTP settings.

Notifications go to channels through the outbox; some mail goes to one address and must
thread (Message-ID, In-Reply-To, References), which a channel's notification cannot carry. The
notifications app (the only one that sends) registers the function that sends such a mail
through an e-mail channel's SMTP server; the service desk calls ``send``. Neither imports the
other: they are apps of one layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutgoingMail:
    to: tuple[str, ...]
    subject: str
    body: str
    message_id: str  # "<…@…>", chosen by the caller so replies can be threaded to it
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    reply_to: str = ""
    headers: dict = field(default_factory=dict)


class MailNotSent(Exception):
    """Sending failed; ``permanent`` when trying again will not help (no channel, 5xx)."""

    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.permanent = permanent


_senders: list[Callable[[OutgoingMail], None]] = []


def register_sender(sender: Callable[[OutgoingMail], None]) -> None:
    """Called once by the app that sends mail (in its AppConfig.ready)."""
    if sender not in _senders:
        _senders.append(sender)


def send(mail: OutgoingMail) -> None:
    """Send ``mail`` now; MailNotSent when it could not be."""
    if not _senders:
        raise MailNotSent("no mail sender is installed", permanent=True)
    _senders[0](mail)
