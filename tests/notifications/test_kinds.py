"""Each channel kind's payload as a real receiver gets it, signatures checked the way the
services document them (DingTalk 加签, Feishu signing, the webhook's HMAC header)."""

import base64
import hashlib
import hmac
import time

import pytest

from erpkeeper.core import outbox
from erpkeeper.notifications import services
from erpkeeper.notifications.delivery import deliver_pending
from erpkeeper.notifications.models import Delivery
from erpkeeper.targets.models import Target
from tests.fixtures.receivers import HttpReceiver, Reply, SmtpReceiver

pytestmark = pytest.mark.django_db

SIGNING_SECRET = "SEC0123456789abcdef-signing"


@pytest.fixture(autouse=True)
def _private_webhooks_allowed(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    settings.PUBLIC_URL = "https://erpkeeper.example.com"


@pytest.fixture
def alert():
    target = Target(name="shop")
    target.set_database_url("sqlite:////tmp/shop.sqlite")
    target.save()
    return outbox.raise_alert(
        source="backups",
        event="backup_failed",
        subject="Backup of shop failed",
        target=target,
        body="No space left on device",
        link="/backups/backup/7/change/",
    )


def deliver_one(kind, receiver, secrets=None, config=None):
    services.create_channel(
        name=kind,
        kind=kind,
        config=config or {},
        secrets={"url": receiver.url("/robot/send?access_token=tok123"), **(secrets or {})},
    )
    run = deliver_pending()
    assert run.delivered == 1, Delivery.objects.values("error", "response")
    assert len(receiver.received) == 1
    return receiver.received[0]


def test_webhook_posts_the_documented_json_with_a_verifiable_signature(alert):
    with HttpReceiver() as receiver:
        got = deliver_one("webhook", receiver, secrets={"secret": SIGNING_SECRET})
    body = got.json()
    assert {
        "id",
        "event",
        "severity",
        "subject",
        "body",
        "target",
        "link",
        "created",
        "occurrences",
    } <= set(body)
    assert body["id"] == alert.pk and body["event"] == "backup_failed"
    assert body["severity"] == "critical" and body["target"] == "shop"
    assert body["link"] == "https://erpkeeper.example.com/backups/backup/7/change/"
    expected = hmac.new(SIGNING_SECRET.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-erpkeeper-signature"] == f"sha256={expected}"
    assert body["timestamp"] == int(got.headers["x-erpkeeper-timestamp"])
    assert abs(time.time() - body["timestamp"]) < 60


def test_webhook_without_a_secret_is_not_signed(alert):
    with HttpReceiver() as receiver:
        got = deliver_one("webhook", receiver)
    assert "x-erpkeeper-signature" not in got.headers


def test_slack_gets_text_and_blocks(alert):
    with HttpReceiver(Reply(200, "ok")) as receiver:
        got = deliver_one("slack", receiver)
    body = got.json()
    assert "Backup of shop failed" in body["text"] and "No space left" in body["text"]
    assert body["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Backup of shop failed"},
    }


def test_slack_without_blocks(alert):
    with HttpReceiver(Reply(200, "ok")) as receiver:
        got = deliver_one("slack", receiver, config={"blocks": False})
    assert set(got.json()) == {"text"}


def test_dingtalk_markdown_is_signed_with_the_documented_algorithm(alert):
    with HttpReceiver(Reply(200, {"errcode": 0, "errmsg": "ok"})) as receiver:
        got = deliver_one("dingtalk", receiver, secrets={"secret": SIGNING_SECRET})
    body = got.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == "Backup of shop failed"
    assert "No space left on device" in body["markdown"]["text"]
    assert got.query["access_token"] == "tok123"
    timestamp = got.query["timestamp"]
    assert abs(int(timestamp) / 1000 - time.time()) < 60
    digest = hmac.new(
        SIGNING_SECRET.encode(), f"{timestamp}\n{SIGNING_SECRET}".encode(), hashlib.sha256
    ).digest()
    # parse_qs decoded it: equal only if "+", "/" and "=" were URL-encoded when sent.
    assert got.query["sign"] == base64.b64encode(digest).decode()


def test_wecom_markdown(alert):
    with HttpReceiver(Reply(200, {"errcode": 0, "errmsg": "ok"})) as receiver:
        got = deliver_one("wecom", receiver)
    body = got.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("### Backup of shop failed") and "**Target**: shop" in content


def test_feishu_card_is_signed_with_the_documented_algorithm(alert):
    with HttpReceiver(Reply(200, {"code": 0, "msg": "success"})) as receiver:
        got = deliver_one("feishu", receiver, secrets={"secret": SIGNING_SECRET})
    body = got.json()
    assert body["msg_type"] == "interactive"
    assert body["card"]["header"]["title"]["content"] == "Backup of shop failed"
    assert body["card"]["header"]["template"] == "red"
    button = body["card"]["elements"][-1]["actions"][0]
    assert button["url"].startswith("https://erpkeeper.example.com/backups/")
    key = f"{body['timestamp']}\n{SIGNING_SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected


def test_feishu_text(alert):
    with HttpReceiver(Reply(200, {"code": 0, "msg": "success"})) as receiver:
        got = deliver_one("feishu", receiver, config={"message_type": "text"})
    body = got.json()
    assert body["msg_type"] == "text" and "sign" not in body
    assert "Backup of shop failed" in body["content"]["text"]


@pytest.mark.parametrize(
    ("kind", "answer", "permanent"),
    [
        ("dingtalk", {"errcode": 310000, "errmsg": "sign not match"}, True),
        ("dingtalk", {"errcode": 130101, "errmsg": "send too fast"}, False),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, True),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, True),
        ("feishu", {"code": 11232, "msg": "frequency limited"}, False),
    ],
)
def test_robot_error_codes_in_a_200_answer_are_failures(alert, kind, answer, permanent):
    with HttpReceiver(Reply(200, answer)) as receiver:
        channel = services.create_channel(
            name=kind, kind=kind, secrets={"url": receiver.url("/robot")}
        )
        run = deliver_pending()
    assert run.delivered == 0 and run.failed == 1
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.ok is False and delivery.status_code == 200
    assert str(list(answer.values())[0]) in delivery.error
    channel.refresh_from_db()
    assert channel.enabled is (not permanent)
    assert (delivery.next_retry_at is None) is permanent


def test_email_arrives_with_subject_body_and_recipients(alert):
    with SmtpReceiver(password="smtp-pass-123") as sink:
        services.create_channel(
            name="ops-mail",
            kind="email",
            config={
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "username": "user",
                "from_address": "erpkeeper@example.com",
                "recipients": "ops@example.com, dba@example.com",
            },
            secrets={"password": "smtp-pass-123"},
        )
        run = deliver_pending()
    assert run.delivered == 1
    received = sink.messages[0]
    assert received["to"] == ["ops@example.com", "dba@example.com"]
    assert received["message"]["Subject"] == "[ERPKeeper] [Critical] Backup of shop failed"
    text = received["message"].get_content()
    assert "No space left on device" in text and "Target: shop" in text
    delivery = Delivery.objects.get()
    assert delivery.ok and delivery.status_code == 250


def test_email_with_a_wrong_password_is_a_permanent_failure(alert):
    with SmtpReceiver(password="right-password") as sink:
        channel = services.create_channel(
            name="ops-mail",
            kind="email",
            config={
                "host": "127.0.0.1",
                "port": sink.port,
                "security": "none",
                "username": "user",
                "from_address": "erpkeeper@example.com",
                "recipients": ["ops@example.com"],
            },
            secrets={"password": "wrong-password"},
        )
        deliver_pending()
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.ok is False and delivery.status_code == 535
    assert "wrong-password" not in delivery.error
    channel.refresh_from_db()
    assert not channel.enabled and "535" in channel.disabled_reason


def test_messages_use_the_platform_language(alert, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with HttpReceiver(Reply(200, {"errcode": 0, "errmsg": "ok"})) as receiver:
        got = deliver_one("wecom", receiver)
    assert "**目标**: shop" in got.json()["markdown"]["content"]
