"""Who reads tickets: they carry end users' personal data, so agents, ops engineers, managers
and administrators do, and the other readers of the platform (Viewer, DBA, Security auditor)
do not: in the console, the API and the CLI alike."""

from __future__ import annotations

import pytest

from erpkeeper.cli import main
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.services import IncomingFile
from tests.fixtures.two_factor import force_login

READERS = ("alice", "olga", "helen", "mark")
KEPT_OUT = ("victor", "dave", "sam")


@pytest.fixture
def ticket(desk, attachment_store):
    return services.open_ticket(
        subject="工资条看不到",
        body="My payslip for May is missing. Phone 138-0000-0000.",
        requester_email="zhang.san@example.cn",
        requester_name="张三",
        attachments=[IncomingFile("payslip.pdf", b"%PDF-1.4 salary")],
    )


@pytest.mark.parametrize("username", READERS + KEPT_OUT)
def test_tickets_their_messages_and_files_are_read_only_by_the_desk(
    username, personas, ticket, api_client_for, client
):
    user = personas[username]
    allowed = username in READERS
    api = api_client_for(user)
    assert api.get("/api/v1/tickets/").status_code == (200 if allowed else 403)
    assert api.get(f"/api/v1/tickets/{ticket.pk}/").status_code == (200 if allowed else 403)
    force_login(client, user)
    page = client.get(f"/servicedesk/ticket/{ticket.pk}/change/")
    assert page.status_code == (200 if allowed else 403)
    attachment = ticket.attachments.get()
    download = client.get(f"/servicedesk/ticket/{ticket.pk}/attachment/{attachment.pk}/")
    assert download.status_code == (200 if allowed else 403)
    assert ("张三" in client.get("/servicedesk/ticket/").content.decode()) == allowed
    assert user.has_perm("servicedesk.view_ticketmessage") == allowed


@pytest.mark.parametrize("username", KEPT_OUT)
def test_the_cli_acting_as_a_reader_without_the_right_refuses(username, personas, ticket, capsys):
    assert main(["--as", username, "ticket", "show", ticket.number]) == 2
    assert "may not view tickets" in capsys.readouterr().err
    assert main(["--as", username, "ticket", "list"]) == 2


def test_the_cli_acting_as_an_agent_or_as_the_system_reads(helen, ticket, capsys):
    assert main(["--as", "helen", "ticket", "show", ticket.number]) == 0
    assert main(["ticket", "show", ticket.number]) == 0
    assert "payslip" in capsys.readouterr().out


def test_kept_out_readers_still_see_the_desks_setup(victor):
    # Queues, SLA policies, canned replies and announcements hold no one's personal data.
    assert victor.has_perms(["servicedesk.view_queue", "servicedesk.view_slapolicy"])
    assert not victor.has_perm("servicedesk.view_ticket")
