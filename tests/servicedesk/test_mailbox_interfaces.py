"""Mailboxes from the API, the CLI and the console, against a real IMAP server: the password
goes in and is never shown again, a poll is one job (or one run on the command line), bad input
is a 400 or exit code 2, a mailbox that cannot be read says why."""

from __future__ import annotations

import io
import json

import pytest

from erpkeeper.cli import main
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import Job
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Mailbox, Ticket
from tests.fixtures.dovecot import PASSWORD, free_port
from tests.servicedesk.test_mail import CHINESE_SUBJECT, mail


class Stdin(io.TextIOWrapper):
    def isatty(self):
        return False


@pytest.fixture
def admin_api(alice, api_client_for):
    return api_client_for(alice)


def settings_of(dovecot, username, **extra) -> dict:
    return {
        "name": "support",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": username,
        **extra,
    }


def test_an_administrator_sets_up_a_mailbox_and_polls_it_through_the_api(
    dovecot, imap_user, desk, attachment_store, admin_api
):
    created = admin_api.post(
        "/api/v1/mailboxes/",
        settings_of(dovecot, imap_user, password=PASSWORD, queue="Helpdesk"),
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["has_password"] is True and "password" not in body
    assert PASSWORD not in json.dumps(admin_api.get("/api/v1/mailboxes/").json())
    url = f"/api/v1/mailboxes/{body['id']}/"
    assert admin_api.post(url + "test/").json() == {
        "ok": True,
        "detail": "Connected: 0 unread messages in INBOX.",
    }
    dovecot.append(imap_user, mail(CHINESE_SUBJECT, gb18030=True))

    polled = admin_api.post(url + "poll/")

    assert polled.status_code == 202 and polled.json()["kind"] == "servicedesk.mailbox_poll"
    assert run_job(polled.json()["id"], heartbeat=False).status == Job.Status.SUCCEEDED
    assert Ticket.objects.get().subject == CHINESE_SUBJECT
    assert admin_api.get(url).json()["received_count"] == 1


def test_the_api_keeps_the_password_when_it_is_left_out_and_answers_400_for_bad_input(
    dovecot, imap_user, desk, admin_api
):
    missing = admin_api.post("/api/v1/mailboxes/", settings_of(dovecot, imap_user), format="json")
    assert missing.status_code == 400 and "password" in missing.json()
    bad = admin_api.post(
        "/api/v1/mailboxes/",
        settings_of(dovecot, imap_user, password="p", security="ssl3", queue="Nope"),
        format="json",
    )
    assert bad.status_code == 400 and {"security", "queue"} <= set(bad.json())
    mailbox = services.create_mailbox(**settings_of(dovecot, imap_user, password=PASSWORD))
    url = f"/api/v1/mailboxes/{mailbox.pk}/"

    changed = admin_api.patch(url, {"folder": "Support", "poll_minutes": 10}, format="json")

    assert changed.status_code == 200 and changed.json()["folder"] == "Support"
    assert Mailbox.objects.get().password() == PASSWORD
    assert admin_api.patch(url, {"poll_minutes": 0}, format="json").status_code == 400
    test = admin_api.post(url + "test/").json()
    assert test["ok"] is False and test["detail"].startswith("The folder Support cannot be opened")
    assert admin_api.delete(url).status_code == 204 and not Mailbox.objects.exists()


def test_the_cli_adds_lists_polls_and_removes_a_mailbox(
    dovecot, imap_user, desk, attachment_store, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", Stdin(io.BytesIO(f"{PASSWORD}\n".encode()), "utf-8"))
    added = main(
        [
            "mailbox", "add", "support", "--host", dovecot.host, "--port", str(dovecot.port),
            "--security", "none", "--username", imap_user, "--password-stdin",
            "--queue", "Helpdesk",
        ]
    )  # fmt: skip
    assert added == 0 and "mailbox support added" in capsys.readouterr().out
    dovecot.append(imap_user, mail("From the pipe's twin"), mail("Second"))

    assert main(["mailbox", "poll", "support"]) == 0
    assert "2 tickets opened" in capsys.readouterr().out
    assert main(["--json", "mailbox", "list"]) == 0
    listed = capsys.readouterr().out
    assert json.loads(listed)[0]["filed"] == 2 and PASSWORD not in listed
    assert main(["mailbox", "remove", "support"]) == 0
    assert not Mailbox.objects.exists() and Ticket.objects.count() == 2


def test_the_cli_says_why_a_mailbox_cannot_be_read(desk, capsys):
    assert main(["mailbox", "add", "nopass", "--host", "h.example.com", "--username", "u"]) == 2
    assert "password" in capsys.readouterr().err
    services.create_mailbox(
        name="gone", host="127.0.0.1", port=free_port(), security="none", username="u",
        password="p",
    )  # fmt: skip

    assert main(["mailbox", "poll", "gone"]) == 1
    out = capsys.readouterr().out
    assert "refused the connection" in out and "Traceback" not in out
    assert main(["mailbox", "test", "gone"]) == 1
    assert main(["mailbox", "poll", "missing"]) == 3


def test_the_console_adds_a_mailbox_tests_it_and_polls_it_as_a_job(
    dovecot, imap_user, desk, alice, console_client_for
):
    client = console_client_for(alice)
    assert client.get("/servicedesk/mailbox/").status_code == 200
    form = {
        **settings_of(dovecot, imap_user, password=PASSWORD),
        "folder": "INBOX",
        "queue": desk.pk,
        "enabled": "on",
        "poll_minutes": 5,
    }
    assert client.post("/servicedesk/mailbox/add/", form).status_code == 302
    mailbox = Mailbox.objects.get()
    assert mailbox.password() == PASSWORD
    page = client.get(f"/servicedesk/mailbox/{mailbox.pk}/change/")
    assert page.status_code == 200 and PASSWORD not in page.content.decode()

    tested = client.get(f"/servicedesk/mailbox/{mailbox.pk}/test_now/", follow=True)
    assert "Connected: 0 unread messages in INBOX." in tested.content.decode()
    client.get(f"/servicedesk/mailbox/{mailbox.pk}/poll_now/")
    job = Job.objects.get(kind="servicedesk.mailbox_poll")
    again = client.get(f"/servicedesk/mailbox/{mailbox.pk}/poll_now/", follow=True)
    assert f"already queued or running as job {job.pk}" in again.content.decode()


def test_the_console_refuses_a_mailbox_without_a_password(
    dovecot, imap_user, desk, alice, console_client_for
):
    client = console_client_for(alice)
    form = {**settings_of(dovecot, imap_user), "folder": "INBOX", "poll_minutes": 5}

    page = client.post("/servicedesk/mailbox/add/", form)

    assert page.status_code == 200 and "Give the mailbox" in page.content.decode()
    assert not Mailbox.objects.exists()


def test_an_agent_sees_mailboxes_but_cannot_poll_or_change_them(desk, helen, api_client_for):
    mailbox = services.create_mailbox(name="m", host="h.example.com", username="u", password="p")
    agent = api_client_for(helen)
    listed = agent.get("/api/v1/mailboxes/").json()
    assert listed["results"][0]["name"] == "m" if "results" in listed else listed[0]["name"] == "m"
    assert agent.post(f"/api/v1/mailboxes/{mailbox.pk}/poll/").status_code == 403
