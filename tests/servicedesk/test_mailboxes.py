"""Mailboxes polled from a real IMAP server (a private Dovecot, tests/fixtures/dovecot.py):
Chinese, HTML-only and attached mail becomes tickets, replies join them by their headers and by
the ticket number, auto-replies do not loop; a message that cannot be filed stays unread without
holding up the rest, a poll stopped after filing makes no second ticket, and a wrong password,
a host that refuses and one that never answers are each one clear line."""

from __future__ import annotations

import socket
from email.utils import make_msgid

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import AuditEntry, Job
from erpkeeper.core.scheduler import schedules
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import (
    Attachment,
    Mailbox,
    Queue,
    Ticket,
    TicketMessage,
    Via,
)
from erpkeeper.servicedesk.services import imap, mailboxes
from tests.fixtures.dovecot import PASSWORD, free_port
from tests.servicedesk.test_mail import CHINESE_SUBJECT, mail

PDF = b"%PDF-1.4\n" + b"0" * 2048


def make_mailbox(dovecot, username, **fields) -> Mailbox:
    values = {
        "name": f"desk {username}",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": username,
        "password": PASSWORD,
        **fields,
    }
    return services.create_mailbox(**values)


@pytest.fixture
def mailbox(dovecot, imap_user, desk, attachment_store):
    return make_mailbox(dovecot, imap_user)


def test_chinese_html_only_and_attached_mail_becomes_tickets_and_is_marked_read(
    dovecot, imap_user, mailbox
):
    dovecot.append(
        imap_user,
        mail(CHINESE_SUBJECT, body="审批流程停在财务经理那里。", gb18030=True),
        mail("Stock report", html="<p>The <b>stock</b> report</p><p>is empty</p>"),
        mail("Screenshot", files=[("error.pdf", PDF, "application", "pdf")]),
    )

    result = services.poll_mailbox(mailbox)

    assert (result.created, result.failed, result.error) == (3, [], "")
    subjects = set(Ticket.objects.values_list("subject", flat=True))
    assert subjects == {CHINESE_SUBJECT, "Stock report", "Screenshot"}
    html_ticket = Ticket.objects.get(subject="Stock report")
    assert "The stock report" in html_ticket.messages.get(via=Via.MAIL).body
    assert Attachment.objects.get().file_name == "error.pdf"
    assert dovecot.unread(imap_user) == 0 and dovecot.count(imap_user) == 3
    mailbox.refresh_from_db()
    assert (mailbox.received_count, mailbox.last_error) == (3, "")
    assert mailbox.last_poll is not None


def test_new_tickets_go_to_the_mailboxs_queue(dovecot, imap_user, desk, attachment_store):
    billing = Queue.objects.create(name="Billing", business_hours=desk.business_hours)
    mailbox = make_mailbox(dovecot, imap_user, queue=billing)
    dovecot.append(imap_user, mail("Invoice INV-9"))

    services.poll_mailbox(mailbox)

    assert Ticket.objects.get().queue == billing


def test_replies_join_their_ticket_by_in_reply_to_and_by_the_number_in_the_subject(
    dovecot, imap_user, mailbox
):
    first_id = make_msgid(domain="example.com")
    dovecot.append(imap_user, mail("Posting fails", message_id=first_id))
    services.poll_mailbox(mailbox)
    ticket = Ticket.objects.get()
    dovecot.append(
        imap_user,
        mail("Re: Posting fails", body="Still failing today.", In_Reply_To=first_id),
        mail(f"Re: [{ticket.number}] anything", body="And the screenshot."),
    )

    result = services.poll_mailbox(mailbox)

    assert (result.created, result.replied) == (0, 2)
    assert Ticket.objects.count() == 1
    bodies = list(ticket.messages.filter(via=Via.MAIL).values_list("body", flat=True))
    assert bodies[1:] == ["Still failing today.", "And the screenshot."]


def test_an_auto_reply_is_marked_read_without_opening_a_ticket(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, mail("Out of office", Auto_Submitted="auto-replied"))

    result = services.poll_mailbox(mailbox)

    assert (result.ignored, Ticket.objects.count()) == (1, 0)
    assert dovecot.unread(imap_user) == 0


def test_a_message_that_cannot_be_filed_stays_unread_and_the_others_are_filed(
    dovecot, imap_user, mailbox
):
    no_sender = b"To: help@erp.example.com\r\nSubject: who am I\r\n\r\nno From header\r\n"
    dovecot.append(imap_user, mail("Before"), no_sender, mail("After"))

    first = services.poll_mailbox(mailbox)
    second = services.poll_mailbox(mailbox)

    assert first.created == 2 and len(first.failed) == 1
    assert "no sender address" in first.failed[0]
    assert second.created == 0 and len(second.failed) == 1  # tried again, not lost
    assert Ticket.objects.count() == 2
    assert dovecot.unread(imap_user) == 1
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("1 message left unread")
    assert "no sender address" in mailbox.last_error
    assert mailbox.failed_count == 2


def test_a_poll_stopped_before_marking_read_makes_no_second_ticket(dovecot, imap_user, mailbox):
    no_message_id = b"From: li@example.com\r\nSubject: no id\r\n\r\nNo Message-ID here.\r\n"
    dovecot.append(imap_user, mail("Posting fails"), no_message_id)
    services.poll_mailbox(mailbox)
    dovecot.mark_unread(imap_user)  # as if it had crashed between the commit and the flag

    again = services.poll_mailbox(mailbox)

    assert (again.created, again.ignored) == (0, 2)
    assert Ticket.objects.count() == 2
    assert TicketMessage.objects.filter(via=Via.MAIL).count() == 2
    assert dovecot.unread(imap_user) == 0


def test_a_connection_lost_before_marking_read_makes_no_second_ticket(
    dovecot, imap_user, mailbox, monkeypatch
):
    dovecot.append(imap_user, mail("Posting fails"), mail("Stock is off"))
    mark_read = imap.mark_read

    def connection_lost(client, server, uids):
        raise imap.MailboxError("The connection to the server was lost: EOF")

    monkeypatch.setattr(imap, "mark_read", connection_lost)
    lost = services.poll_mailbox(mailbox)
    assert lost.created == 2 and "was lost" in lost.error
    assert dovecot.unread(imap_user) == 2  # filed and committed, not yet marked
    monkeypatch.setattr(imap, "mark_read", mark_read)

    again = services.poll_mailbox(mailbox)

    assert (again.created, again.ignored, again.error) == (0, 2, "")
    assert Ticket.objects.count() == 2 and dovecot.unread(imap_user) == 0


def test_a_large_mailbox_is_read_in_batches(dovecot, imap_user, mailbox, monkeypatch):
    monkeypatch.setattr(mailboxes, "BATCH", 2)
    dovecot.append(imap_user, *(mail(f"Question {n}") for n in range(5)))
    steps = []

    result = services.poll_mailbox(mailbox, progress=lambda percent, text: steps.append(text))

    assert result.created == 5 and Ticket.objects.count() == 5
    assert steps == ["2/5 messages", "4/5 messages", "5/5 messages"]


def test_a_wrong_password_is_one_clear_line_and_nothing_is_read(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, mail("Waiting"))
    services.update_mailbox(mailbox, password="not-the-password")

    result = services.poll_mailbox(mailbox)

    assert result.error.startswith(f"127.0.0.1:{dovecot.port} refused the login of {imap_user}")
    assert "Traceback" not in result.error and "not-the-password" not in result.error
    mailbox.refresh_from_db()
    assert mailbox.last_error == result.error
    assert Ticket.objects.count() == 0 and dovecot.unread(imap_user) == 1


def test_a_host_that_refuses_connections_is_one_clear_line(desk):
    mailbox = services.create_mailbox(
        name="gone", host="127.0.0.1", port=free_port(), security="none", username="u",
        password="p",
    )  # fmt: skip

    result = services.poll_mailbox(mailbox)

    assert result.error == f"The IMAP server 127.0.0.1:{mailbox.port} refused the connection."
    with pytest.raises(imap.MailboxError, match="refused the connection"):
        services.test_connection(mailbox)


def test_a_server_that_never_answers_is_given_up_after_the_timeout(desk, monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts the connection, never greets
    monkeypatch.setattr(imap, "TIMEOUT", 1)
    mailbox = services.create_mailbox(
        name="silent", host="127.0.0.1", port=silent.getsockname()[1], security="tls",
        username="u", password="p",
    )  # fmt: skip
    try:
        result = services.poll_mailbox(mailbox)
    finally:
        silent.close()

    assert result.error == f"The IMAP server 127.0.0.1:{mailbox.port} did not answer within 1 s."


def test_tls_and_starttls_verify_the_servers_certificate(dovecot, imap_user, mailbox, monkeypatch):
    dovecot.append(imap_user, mail("Over TLS"))
    services.update_mailbox(mailbox, security="tls", port=dovecot.tls_port)

    untrusted = services.poll_mailbox(mailbox)

    assert untrusted.error.startswith(f"The secure connection to 127.0.0.1:{dovecot.tls_port}")
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.error
    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.certificate))  # trust the test's own CA
    assert services.poll_mailbox(mailbox).created == 1
    dovecot.append(imap_user, mail("Over STARTTLS"))
    services.update_mailbox(mailbox, security="starttls", port=dovecot.port)
    assert services.poll_mailbox(mailbox).created == 1


def test_a_poll_running_elsewhere_is_not_doubled(dovecot, imap_user, mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(polling_since=mailbox.created)
    dovecot.append(imap_user, mail("Twice?"))

    result = services.poll_mailbox(mailbox)

    assert result.busy and Ticket.objects.count() == 0


def test_the_password_is_stored_encrypted_and_kept_out_of_the_audit_trail(mailbox):
    stored = Mailbox.objects.values_list("password_encrypted", flat=True).get()
    assert stored and PASSWORD not in stored
    assert mailbox.password() == PASSWORD
    stored_entries = [str(e.before) + str(e.after) for e in AuditEntry.objects.all()]
    assert stored_entries and not any(
        PASSWORD in entry or stored in entry for entry in stored_entries
    )
    services.update_mailbox(mailbox, password="", folder="INBOX")  # empty keeps it
    assert Mailbox.objects.get().password() == PASSWORD


def test_a_mailbox_needs_a_password_and_a_valid_port(desk):
    with pytest.raises(ValidationError) as missing:
        services.create_mailbox(name="m", host="imap.example.com", username="u")
    assert "password" in missing.value.message_dict
    with pytest.raises(ValidationError) as port:
        services.create_mailbox(
            name="m", host="imap.example.com", username="u", password="p", port=70000
        )
    assert "port" in port.value.message_dict


def test_the_poll_job_files_the_mail_and_fails_with_the_reason(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, mail("By the job"))
    asked = services.request_poll(mailbox)
    assert services.request_poll(mailbox).reused

    done = run_job(asked.job.pk, heartbeat=False)

    assert done.status == Job.Status.SUCCEEDED and done.result["created"] == 1
    services.update_mailbox(mailbox, password="wrong")
    failed = run_job(services.request_poll(mailbox).job.pk, heartbeat=False)
    assert failed.status == Job.Status.FAILED
    assert "refused the login" in failed.error and "Traceback" not in failed.error


def test_the_schedule_queues_each_enabled_mailbox_when_its_interval_has_passed(
    dovecot, imap_user, mailbox
):
    services.create_mailbox(
        name="off", host="imap.example.com", username="u", password="p", enabled=False
    )
    assert "servicedesk.mailboxes" in {schedule.name for schedule in schedules()}
    first = mailboxes.request_due_polls()
    assert [asked.job.params["mailbox"] for asked in first] == [mailbox.name]
    assert mailboxes.request_due_polls()[0].reused  # still queued: not doubled
    run_job(first[0].job.pk, heartbeat=False)
    assert mailboxes.request_due_polls() == []  # polled a moment ago


def test_the_connection_test_counts_unread_mail_and_changes_nothing(dovecot, imap_user, mailbox):
    dovecot.append(imap_user, mail("One"), mail("Two"))

    assert services.test_connection(mailbox) == "Connected: 2 unread messages in INBOX."
    assert dovecot.unread(imap_user) == 2


def test_an_unknown_folder_is_named_in_the_error(dovecot, imap_user, mailbox):
    services.update_mailbox(mailbox, folder="Nowhere")

    result = services.poll_mailbox(mailbox)

    assert result.error.startswith("The folder Nowhere cannot be opened")
