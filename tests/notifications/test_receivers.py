"""The real receivers of tests/fixtures/receivers.py do what the notification tests rely on."""

from __future__ import annotations

import http.client

from tests.fixtures.receivers import HttpReceiver, Reply, SmtpReceiver


def test_http_receiver_scripts_replies():
    with HttpReceiver(Reply(500), Reply(201, {"ok": True})) as receiver:
        statuses = []
        for _ in range(3):
            connection = http.client.HTTPConnection("127.0.0.1", receiver.server.server_port)
            connection.request("POST", "/x?a=1", body=b"{}")
            statuses.append(connection.getresponse().status)
            connection.close()
    assert statuses == [500, 201, 201]
    assert receiver.received[0].query == {"a": "1"}


def test_smtp_receiver_keeps_messages():
    import smtplib

    with SmtpReceiver() as sink, smtplib.SMTP("127.0.0.1", sink.port) as client:
        client.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\r\n\r\nbody\r\n")
    assert sink.messages[0]["message"]["Subject"] == "hi"
