"""``erpkeeper ticket …`` and ``erpkeeper mail-in`` as an agent and a mail server use them."""

from __future__ import annotations

import io
import json
from email.message import EmailMessage

import pytest

from erpkeeper.cli import main
from erpkeeper.servicedesk.models import Ticket, TicketStatus


class Stdin(io.TextIOWrapper):
    def isatty(self):
        return False


def feed(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO(data), encoding="utf-8"))


def test_an_agent_opens_replies_assigns_and_closes(desk, shop, helen, capsys):
    assert (
        main(
            [
                "--as",
                "helen",
                "ticket",
                "open",
                "--subject",
                "盘点差异",
                "--body",
                "P-1 off by 3",
                "--target",
                "shop",
                "--impact",
                "high",
                "--urgency",
                "high",
            ]
        )
        == 0
    )
    number = Ticket.objects.get().number
    assert f"opened {number}" in capsys.readouterr().out
    assert main(["--as", "helen", "ticket", "reply", number, "--body", "Recounting."]) == 0
    assert main(["ticket", "assign", number, "helen"]) == 0
    assert main(["--json", "ticket", "list", "--active", "true", "--priority", "p1"]) == 0
    capsys.readouterr()
    assert main(["--json", "ticket", "show", number]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["assignee"] == "helen" and shown["conversation"][-1]["body"] == "Recounting."
    assert main(["ticket", "status", number, "waiting"]) == 0
    assert main(["ticket", "close", number]) == 0
    assert Ticket.objects.get().status == TicketStatus.CLOSED


def test_bad_input_is_one_line_with_its_exit_code(desk, capsys):
    assert main(["ticket", "show", "ERP-2026-999999"]) == 3
    assert main(["ticket", "open", "--subject", "x", "--body", " "]) == 2
    assert "Describe the problem" in capsys.readouterr().err
    assert main(["ticket", "open", "--subject", "x", "--body", "y", "--attach", "/nope"]) == 2
    assert main(["ticket", "list", "--priority", "p9"]) == 2
    assert main(["ticket", "assign", "1"]) in (2, 3)
    assert not Ticket.objects.exists()


def test_mail_in_files_a_message_from_stdin(desk, monkeypatch, capsys):
    message = EmailMessage()
    message["From"] = "周敏 <zhou@example.com>"
    message["To"] = "help@erp.example.com"
    message["Subject"] = "报表打不开"
    message.set_content("The monthly report shows an error.")
    feed(monkeypatch, message.as_bytes())
    assert main(["mail-in"]) == 0
    ticket = Ticket.objects.get()
    assert capsys.readouterr().out.startswith(f"created {ticket.number}")
    assert ticket.subject == "报表打不开" and ticket.requester_name == "周敏"


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"garbage without headers", 2), (b"From: a@b.cn\nAuto-Submitted: auto-replied\n\nx", 0)],
)
def test_mail_in_refuses_malformed_mail_and_ignores_auto_replies(
    desk, monkeypatch, capsys, raw, code
):
    feed(monkeypatch, raw)
    assert main(["mail-in"]) == code
    captured = capsys.readouterr()
    assert len((captured.err or captured.out).strip().splitlines()) == 1
    assert not Ticket.objects.exists()
