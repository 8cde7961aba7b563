"""Mail in: 1,000 real MIME messages with attachments filed as tickets and replies.

    .venv/bin/python benchmarks/servicedesk_mail_in.py [--messages 1000] [--no-imap]

Builds 1,000 messages as requesters send them: new requests with a PDF and a PNG attached
(English and RFC 2047 Chinese subjects, some HTML-only), replies threaded by In-Reply-To to an
earlier one, and auto-replies that must be dropped. Then files them twice on a fresh SQLite
platform database, with a real SMTP server on 127.0.0.1 taking the acknowledgements:

1. through ``receive_mail`` one by one, what ``erpkeeper mail-in`` does for each message a mail
   server pipes to it (without the process start of each pipe);
2. through the IMAP poller: the messages (new Message-IDs) are appended to a private Dovecot
   (tests/fixtures/dovecot.py; skipped when Dovecot is not installed), then one
   ``poll_mailbox`` fetches, files and marks them read.

Prints the time, messages per second, this process's CPU time (on a busy machine the wall time
mostly waits for a core; the SMTP server's thread counts in, Dovecot does not) and the tickets
and replies made; the target is under 60 s.
"""

from __future__ import annotations

import argparse
import base64
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MESSAGES = 1_000
TARGET_SECONDS = 60
SUBJECTS = ["采购订单审批卡住了", "月结凭证无法过账", "Invoice posting fails", "Stock count is off"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--no-imap", action="store_true", help="only the mail-in path")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="ek-bench-mail-"))
    os.environ["ERPKEEPER_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "erpkeeper.settings"
    os.environ["ERPKEEPER_DATABASE_URL"] = f"sqlite:///{home / 'erpkeeper.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command
    try:
        file_twice(args.messages, args.no_imap)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)


def file_twice(count: int, no_imap: bool) -> None:
    from tests.fixtures.dovecot import Dovecot, dovecot_missing_reason
    from tests.fixtures.receivers import SmtpReceiver

    with SmtpReceiver() as smtp:
        mail_channel(smtp.port)
        run("mail-in (receive_mail per message)", count, through_mail_in, smtp)
        reason = dovecot_missing_reason()
        if no_imap or reason:
            print(f"IMAP poller: skipped ({reason or '--no-imap'})")
            return
        with Dovecot() as dovecot:
            run("IMAP poller (one poll_mailbox)", count, through_imap(dovecot), smtp)


def mail_channel(port: int) -> None:
    from erpkeeper.notifications import services as channels

    channels.create_channel(
        name="desk-mail",
        kind="email",
        config={
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "from_address": "help@erp.example.com",
            "recipients": "ops@example.com",
        },
    )


def run(label: str, count: int, file_all, smtp) -> None:
    """``file_all(messages)`` files them and returns the seconds the filing took."""
    from erpkeeper.servicedesk.models import Attachment, Ticket, TicketMessage

    messages = build(count, random.Random(14))
    size = sum(len(raw) for raw in messages)
    before = (Ticket.objects.count(), TicketMessage.objects.count(), Attachment.objects.count())
    mailed = len(smtp.messages)
    cpu = time.process_time()
    seconds = file_all(messages)
    cpu = time.process_time() - cpu
    tickets = Ticket.objects.count() - before[0]
    entries = TicketMessage.objects.count() - before[1]
    files = Attachment.objects.count() - before[2]
    verdict = "✓" if seconds < TARGET_SECONDS else "✗"
    print(
        f"{label}: {count:,} messages ({size / 1e6:.1f} MB) in {seconds:.1f} s, "
        f"{count / seconds:.0f} messages/s (target < {TARGET_SECONDS} s {verdict}), "
        f"{cpu:.1f} s of this process's CPU; "
        f"{tickets} tickets, {entries} conversation entries, {files} attachments, "
        f"{len(smtp.messages) - mailed} acknowledgements mailed"
    )


def through_mail_in(messages: list[bytes]) -> float:
    from erpkeeper.servicedesk.services import receive_mail

    started = time.perf_counter()
    for raw in messages:
        receive_mail(raw)
    return time.perf_counter() - started


def through_imap(dovecot):
    from erpkeeper.servicedesk import services
    from tests.fixtures.dovecot import PASSWORD

    user = dovecot.add_user()
    mailbox = services.create_mailbox(
        name="bench",
        host=dovecot.host,
        port=dovecot.port,
        security="none",
        username=user,
        password=PASSWORD,
    )

    def append_then_poll(messages: list[bytes]) -> float:
        appending = time.perf_counter()
        dovecot.append(user, *messages)
        print(f"  appended to Dovecot in {time.perf_counter() - appending:.1f} s (not counted)")
        started = time.perf_counter()
        result = services.poll_mailbox(mailbox)
        seconds = time.perf_counter() - started
        print(f"  poll: {result.summary()}{'; ' + result.error if result.error else ''}")
        assert dovecot.unread(user) == 0, "every message is marked read"
        return seconds

    return append_then_poll


# -- the messages ----------------------------------------------------------------------------------


def build(count: int, randomly: random.Random) -> list[bytes]:
    """Six in ten open tickets (each with a PDF and a PNG), three reply to an earlier message,
    one is an auto-reply."""
    pdf = b"%PDF-1.4\n" + bytes(randomly.randrange(256) for _ in range(30_000))
    png = b"\x89PNG\r\n\x1a\n" + bytes(randomly.randrange(256) for _ in range(8_000))
    sent: list[tuple[str, str]] = []  # (Message-ID, its sender)
    messages = []
    for n in range(count):
        roll = randomly.random()
        sender = f"user{n % 200}@example.com"
        if roll < 0.3 and sent:
            answered, requester = randomly.choice(sent)
            messages.append(reply(n, requester, answered))
        elif roll < 0.4:
            messages.append(auto_reply(n, sender))
        else:
            message_id = make_msgid(domain="example.com")
            sent.append((message_id, sender))
            messages.append(request(n, sender, message_id, pdf, png, html=roll > 0.9))
    return messages


def request(n: int, sender: str, message_id: str, pdf: bytes, png: bytes, html: bool) -> bytes:
    message = EmailMessage()
    message["From"] = f"Requester {n} <{sender}>"
    message["To"] = "help@erp.example.com"
    message["Message-ID"] = message_id
    subject = f"{SUBJECTS[n % len(SUBJECTS)]} #{n}"
    text = f"Request {n}: the posting of INV-{n} fails with a balance error.\n" * 5
    if html:
        message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
    else:
        message.set_content(text)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"inv-{n}.pdf")
    message.add_attachment(png, maintype="image", subtype="png", filename=f"截图-{n}.png")
    raw = message.as_bytes()
    if subject.isascii():
        return f"Subject: {subject}\r\n".encode() + raw
    encoded = base64.b64encode(subject.encode("gb18030")).decode()
    return f"Subject: =?GB18030?B?{encoded}?=\r\n".encode() + raw


def reply(n: int, sender: str, answered: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "help@erp.example.com"
    message["Subject"] = f"Re: follow-up {n}"
    message["Message-ID"] = make_msgid(domain="example.com")
    message["In-Reply-To"] = answered
    message["References"] = answered
    message.set_content(f"More detail for {n}.\n\n> earlier text\n> quoted\n")
    return message.as_bytes()


def auto_reply(n: int, sender: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "help@erp.example.com"
    message["Subject"] = f"Out of office {n}"
    message["Message-ID"] = make_msgid(domain="example.com")
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("I am away until Monday.")
    return message.as_bytes()


if __name__ == "__main__":
    main()
