"""``erpkeeper channel …`` as an operator uses it: secrets from stdin, tests, deliveries."""

import io
import json

import pytest

from erpkeeper.cli import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_USAGE, main
from erpkeeper.core import outbox
from erpkeeper.notifications.models import Channel, Delivery
from tests.fixtures.receivers import HttpReceiver, Reply

pytestmark = pytest.mark.django_db

TOKEN = "feishu-hook-token-0a1b2c3d"
SIGNING = "feishu-signing-secret-9z"


@pytest.fixture(autouse=True)
def _private_webhooks_allowed(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True


def run(capsys, *argv, stdin=""):
    import sys

    saved, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        code = main(list(argv))
    finally:
        sys.stdin = saved
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_show_test_and_deliveries(capsys):
    with HttpReceiver(Reply(200, {"code": 0, "msg": "success"})) as receiver:
        url = receiver.url(f"/open-apis/bot/v2/hook/{TOKEN}")
        code, out, err = run(
            capsys,
            "channel",
            "add",
            "ops-feishu",
            "--kind",
            "feishu",
            "--url-stdin",
            "--secret-stdin",
            "--set",
            "message_type=text",
            "--min-severity",
            "critical",
            stdin=f"{url}\n{SIGNING}\n",
        )
        assert code == 0, err
        channel = Channel.objects.get()
        assert channel.secret_values() == {"url": url, "secret": SIGNING}
        assert channel.config == {"message_type": "text"}

        code, out, _ = run(capsys, "channel", "test", "ops-feishu")
        assert code == 0 and "test message delivered" in out
        assert receiver.received[0].json()["msg_type"] == "text"

    listing = run(capsys, "channel", "list")[1]
    assert "ops-feishu" in listing and "ok 200" in listing and "critical" in listing
    shown = run(capsys, "--json", "channel", "show", "ops-feishu")[1]
    assert json.loads(shown)["secrets_set"] == ["secret", "url"]
    assert json.loads(shown)["targets"] == "all"
    deliveries = run(capsys, "channel", "deliveries", "ops-feishu")[1]
    assert "(test)" in deliveries
    everything = listing + shown + deliveries
    assert TOKEN not in everything and SIGNING not in everything


def test_email_channel_password_from_stdin(capsys):
    code, out, err = run(
        capsys,
        "channel",
        "add",
        "ops-mail",
        "--kind",
        "email",
        "--secret-stdin",
        "--set",
        "host=smtp.example.com",
        "--set",
        "port=465",
        "--set",
        "security=ssl",
        "--set",
        "from_address=erpkeeper@example.com",
        "--set",
        "recipients=ops@example.com,dba@example.com",
        stdin="smtp-password\n",
    )
    assert code == 0, err
    channel = Channel.objects.get()
    assert channel.config["port"] == 465
    assert channel.config["recipients"] == ["ops@example.com", "dba@example.com"]
    assert channel.secret_values() == {"password": "smtp-password"}
    assert channel.destination_masked == "smtp.example.com:465 → ops@example.com, dba@example.com"


def test_a_failed_test_exits_1_and_bad_input_exits_2(capsys):
    with HttpReceiver(Reply(404)) as receiver:
        run(capsys, "channel", "add", "hook", "--kind", "webhook", "--url-stdin",
            stdin=receiver.url() + "\n")  # fmt: skip
        code, _, err = run(capsys, "channel", "test", "hook")
    assert code == EXIT_FAILED and "HTTP 404" in err
    code, _, err = run(capsys, "channel", "add", "nourl", "--kind", "wecom")
    assert code == EXIT_USAGE and "url" in err
    code, _, err = run(capsys, "channel", "add", "x", "--kind", "slack", "--set", "blocks")
    assert code == EXIT_USAGE and "KEY=VALUE" in err
    assert run(capsys, "channel", "show", "nope")[0] == EXIT_NOT_FOUND


def test_disable_enable_deliver_and_remove(capsys):
    outbox.raise_alert(source="backups", event="backup_failed", subject="Backup failed")
    with HttpReceiver() as receiver:
        run(capsys, "channel", "add", "hook", "--kind", "webhook", "--url-stdin",
            stdin=receiver.url() + "\n")  # fmt: skip
        run(capsys, "channel", "disable", "hook")
        code, out, _ = run(capsys, "channel", "deliver")
        assert code == 0 and out.startswith("0 delivered")
        run(capsys, "channel", "enable", "hook")
        code, out, _ = run(capsys, "channel", "deliver")
        assert out.startswith("1 delivered") and len(receiver.received) == 1
    code, out, _ = run(capsys, "channel", "deliveries", "--failed")
    assert out.strip() == "(none)"
    assert run(capsys, "channel", "remove", "hook")[0] == 0
    assert not Channel.objects.exists() and not Delivery.objects.exists()
