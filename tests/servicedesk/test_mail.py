"""Mail in and out with real messages: RFC 2047 Chinese subjects (GB18030 and UTF-8), HTML-only
bodies, attachments within and beyond the limits, threading by headers and by ticket number,
auto-replies and our own mail not looping, malformed mail refused with nothing written; replies
and acknowledgements delivered to a real local SMTP server."""

from __future__ import annotations

import base64
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from erpkeeper.notifications import services as channel_services
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import (
    Attachment,
    MailState,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketStatus,
    Via,
)
from erpkeeper.servicedesk.services import MailRejected, receive_mail
from erpkeeper.servicedesk.services.mail_out import language_for
from tests.fixtures.receivers import SmtpReceiver

CHINESE_SUBJECT = "采购订单审批卡住了"


def gb18030_subject(text: str) -> bytes:
    encoded = base64.b64encode(text.encode("gb18030")).decode()
    return f"Subject: =?GB18030?B?{encoded}?=\r\n".encode()


def mail(
    subject: str | None = "Invoice posting fails",
    body: str = "Posting INV-7 fails with a balance error.",
    sender: str = "Li Wei <li.wei@example.com>",
    to: str = "help@erp.example.com",
    html: str | None = None,
    files=(),
    gb18030: bool = False,
    **headers,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="example.com"))
    if subject is not None and not gb18030:
        message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    for name, content, maintype, subtype in files:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    raw = message.as_bytes()
    return gb18030_subject(subject) + raw if gb18030 else raw


# -- in --------------------------------------------------------------------------------------------


def test_a_chinese_gb18030_mail_with_html_only_opens_a_ticket(desk, attachment_store):
    raw = mail(
        CHINESE_SUBJECT,
        html="<html><head><style>p{}</style></head><body><p>审批流程在<b>经理</b>这一步卡住</p>"
        "<p>订单号 PO-88</p></body></html>",
        files=[("截图.png", b"\x89PNG...", "image", "png")],
        gb18030=True,
    )
    outcome = receive_mail(raw)
    ticket = outcome.ticket
    assert outcome.action == "created" and ticket.subject == CHINESE_SUBJECT
    assert ticket.requester_email == "li.wei@example.com" and ticket.requester_name == "Li Wei"
    assert ticket.queue == desk
    first = ticket.messages.order_by("pk").first()
    assert first.via == Via.MAIL and first.body == "审批流程在经理这一步卡住\n\n订单号 PO-88"
    assert ticket.attachments.get().file_name == "截图.png"
    # The acknowledgement in the requester's language (a Chinese subject: Chinese).
    assert ticket.number in ticket.messages.filter(via=Via.SYSTEM).get().body
    assert language_for(ticket) == "zh-hans"


def test_a_utf8_encoded_word_subject_is_decoded(desk):
    raw = mail(subject="=?UTF-8?B?" + base64.b64encode("月结报错".encode()).decode() + "?=")
    assert receive_mail(raw).ticket.subject == "月结报错"


def test_a_reply_joins_its_ticket_by_references_and_by_number(desk, helen):
    ticket = receive_mail(mail()).ticket
    answer = services.reply(ticket, "Which journal?", author=helen)
    raw = mail("Re: whatever", "The sales journal.", In_Reply_To=answer.mail_message_id)
    outcome = receive_mail(raw)
    assert outcome.action == "replied" and outcome.ticket == ticket
    raw = mail(f"Re: [{ticket.number}] Invoice posting fails", "Any news?")
    assert receive_mail(raw).ticket == ticket
    assert ticket.messages.filter(from_requester=True).count() == 3


def test_a_reply_quoting_the_earlier_mail_keeps_only_the_new_text(desk):
    ticket = receive_mail(mail()).ticket
    raw = mail(f"Re: [{ticket.number}]", "Thanks, it works.\n\n> Posting INV-7 fails\n> with")
    receive_mail(raw)
    assert ticket.messages.filter(via=Via.MAIL).last().body == "Thanks, it works."


def test_a_reply_from_a_stranger_opens_a_ticket_of_its_own(desk):
    ticket = receive_mail(mail()).ticket
    raw = mail(f"Re: [{ticket.number}] Invoice", "me too", sender="eve@elsewhere.example")
    outcome = receive_mail(raw)
    assert outcome.action == "created" and outcome.ticket != ticket


def test_an_unknown_ticket_number_opens_a_new_ticket(desk):
    outcome = receive_mail(mail("Re: [ERP-1999-000042] old thing"))
    assert outcome.action == "created" and outcome.ticket.number != "ERP-1999-000042"


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(desk):
    ticket = receive_mail(mail()).ticket
    services.close(ticket)
    outcome = receive_mail(mail(f"Re: [{ticket.number}] Invoice posting fails", "Again!"))
    assert outcome.action == "created" and outcome.ticket.parent == ticket


def test_a_reply_to_a_resolved_ticket_reopens_it(desk):
    ticket = receive_mail(mail()).ticket
    services.change_status(ticket, TicketStatus.RESOLVED)
    receive_mail(mail(f"Re: [{ticket.number}]", "Not fixed."))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.reopen_count == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"message_id": "<erpkeeper.abc@erp.example.com>"},
    ],
)
def test_auto_replies_and_our_own_mail_are_ignored(desk, headers):
    outcome = receive_mail(mail("Out of office", **headers))
    assert outcome.action == "ignored" and outcome.reason
    assert not Ticket.objects.exists()


def test_mail_from_our_own_queue_address_is_ignored(desk):
    outcome = receive_mail(mail(sender="help@erp.example.com"))
    assert outcome.action == "ignored"


def test_the_same_message_twice_is_taken_once(desk):
    raw = mail(message_id="<once@example.com>")
    assert receive_mail(raw).action == "created"
    assert receive_mail(raw).action == "ignored"
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty message"),
        (b"this is not a mail at all", "no sender"),
        (b"From: nobody\r\nSubject: hi\r\n\r\nbody", "no sender"),
    ],
)
def test_malformed_mail_is_refused_with_one_line_and_nothing_written(desk, raw, reason):
    with pytest.raises(MailRejected, match=reason) as refused:
        receive_mail(raw)
    assert "\n" not in str(refused.value)
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()


def test_attachments_beyond_the_limits_are_noted_not_kept(desk, attachment_store, settings):
    settings.SERVICEDESK_ATTACHMENT_MAX_MB = 1
    files = [
        ("导出.csv", b"a,b\n1,2\n", "text", "csv"),
        ("big.zip", b"x" * (1024 * 1024 + 1), "application", "zip"),
        ("setup.exe", b"MZ", "application", "octet-stream"),
    ]
    outcome = receive_mail(mail(files=files))
    assert [a.file_name for a in Attachment.objects.all()] == ["导出.csv"]
    assert len(outcome.refused) == 2
    note = outcome.ticket.messages.get(kind=MessageKind.NOTE)
    assert "big.zip" in note.body and "setup.exe" in note.body


# -- out -------------------------------------------------------------------------------------------


def test_the_requester_gets_the_acknowledgement_and_the_agents_reply(
    desk, smtp, helen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive_mail(mail(message_id="<first@example.com>")).ticket
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.reply(ticket, "Fixed: the journal was locked.", author=helen)
    acknowledgement, reply = (item["message"] for item in smtp.messages)
    assert [item["to"] for item in smtp.messages] == [["li.wei@example.com"]] * 2
    assert acknowledgement["Subject"] == f"Re: [{ticket.number}] Invoice posting fails"
    assert acknowledgement["Auto-Submitted"] == "auto-replied"
    assert acknowledgement["In-Reply-To"] == "<first@example.com>"
    assert reply["Message-ID"] == answer.mail_message_id
    assert "<first@example.com>" in reply["References"]
    assert "Fixed: the journal was locked." in reply.get_content()
    assert reply["Reply-To"] == "help@erp.example.com"
    answer.refresh_from_db()
    assert answer.mail_state == MailState.SENT


def test_mail_waits_while_the_smtp_server_is_down_and_goes_out_later(desk, helen, db):
    channel = channel_services.create_channel(
        name="desk-mail",
        kind="email",
        config={
            "host": "127.0.0.1",
            "port": 9,  # nothing listens
            "security": "none",
            "from_address": "help@erp.example.com",
            "recipients": "ops@example.com",
        },
    )
    ticket = services.open_ticket(subject="x", body="y", requester_email="li@example.com")
    assert services.send_pending() == 0
    pending = ticket.messages.get(via=Via.SYSTEM)
    pending.refresh_from_db()
    assert pending.mail_state == MailState.PENDING and pending.mail_error
    with SmtpReceiver() as sink:
        channel_services.update_channel(channel, config={**channel.config, "port": sink.port})
        assert services.send_pending() == 1
    assert len(sink.messages) == 1


def test_without_an_email_channel_the_mail_fails_for_good(desk):
    ticket = services.open_ticket(subject="x", body="y", requester_email="li@example.com")
    services.send_pending()
    message = ticket.messages.get(via=Via.SYSTEM)
    assert message.mail_state == MailState.FAILED and "e-mail channel" in message.mail_error
