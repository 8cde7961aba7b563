"""/api/v1/notification-channels and /api/v1/notification-deliveries, as the personas use them."""

import pytest

from erpkeeper.core import outbox
from erpkeeper.notifications import services
from erpkeeper.notifications.delivery import deliver_pending
from erpkeeper.notifications.models import Channel
from tests.fixtures.receivers import HttpReceiver, Reply

pytestmark = pytest.mark.django_db

BASE = "/api/v1/notification-channels/"
TOKEN = "d1ngtalk-access-token-42"
SIGNING = "SECsigning-secret-42"


@pytest.fixture(autouse=True)
def _private_webhooks_allowed(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True


@pytest.fixture
def admin_client(api_client_for, alice):
    return api_client_for(alice)


def test_secrets_are_write_only(admin_client):
    created = admin_client.post(
        BASE,
        {
            "name": "ops-dingtalk",
            "kind": "dingtalk",
            "url": f"http://127.0.0.1:9/robot/send?access_token={TOKEN}",
            "secret": SIGNING,
            "min_severity": "warning",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["has_url"], data["has_secret"], data["has_password"]) == (True, True, False)
    assert data["destination"] == "http://127.0.0.1:9/…"
    assert not {"url", "secret", "password"} & set(data)
    for response in (created, admin_client.get(BASE), admin_client.get(f"{BASE}{data['id']}/")):
        assert TOKEN not in response.content.decode() and SIGNING not in response.content.decode()

    removed = admin_client.patch(f"{BASE}{data['id']}/", {"secret": ""}, format="json")
    assert removed.json()["has_secret"] is False and removed.json()["has_url"] is True
    assert Channel.objects.get().secret_values()["url"].endswith(TOKEN)


def test_bad_input_is_a_400_naming_the_field(admin_client):
    missing_url = admin_client.post(BASE, {"name": "x", "kind": "wecom"}, format="json")
    assert missing_url.status_code == 400 and "url" in missing_url.json()
    bad_mail = admin_client.post(
        BASE,
        {"name": "mail", "kind": "email", "config": {"host": "smtp", "recipients": "nobody"}},
        format="json",
    )
    assert bad_mail.status_code == 400
    assert {"from_address", "recipients"} <= set(bad_mail.json())
    unknown = admin_client.post(
        BASE,
        {"name": "y", "kind": "slack", "url": "http://127.0.0.1:9/", "config": {"color": "red"}},
        format="json",
    )
    assert unknown.status_code == 400 and "color" in str(unknown.json()["config"])


def test_private_address_refused_with_a_clear_message(admin_client, settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = False
    response = admin_client.post(
        BASE, {"name": "x", "kind": "webhook", "url": "http://127.0.0.1:8080/"}, format="json"
    )
    assert response.status_code == 400
    assert "ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS" in response.json()["url"][0]


def test_send_test_returns_the_result_and_records_a_delivery(admin_client):
    with HttpReceiver(Reply(200, {"errcode": 0, "errmsg": "ok"})) as receiver:
        channel = services.create_channel(
            name="wecom", kind="wecom", secrets={"url": receiver.url("/send?key=k")}
        )
        response = admin_client.post(f"{BASE}{channel.pk}/test/")
    result = response.json()
    assert response.status_code == 200
    assert result["ok"] is True and result["status_code"] == 200 and result["error"] == ""
    assert result["duration_ms"] is not None
    deliveries = admin_client.get("/api/v1/notification-deliveries/", {"channel": "wecom"})
    row = deliveries.json()["results"][0]
    assert row["id"] == result["delivery"] and row["is_test"] and row["message"] is None
    assert "Test message" in receiver.received[0].json()["markdown"]["content"]


def test_a_disabled_channel_shows_why_and_can_be_enabled(admin_client):
    outbox.raise_alert(source="backups", event="backup_failed", subject="Backup failed")
    with HttpReceiver(Reply(401, {"error": "bad token"})) as receiver:
        channel = services.create_channel(
            name="hook", kind="webhook", secrets={"url": receiver.url()}
        )
        deliver_pending()
    data = admin_client.get(f"{BASE}{channel.pk}/").json()
    assert data["enabled"] is False and "HTTP 401" in data["disabled_reason"]
    assert data["last_delivery"]["ok"] is False
    failed = admin_client.get("/api/v1/notification-deliveries/", {"ok": "false"}).json()
    assert failed["count"] == 1 and failed["results"][0]["status_code"] == 401

    enabled = admin_client.post(f"{BASE}{channel.pk}/enable/").json()
    assert enabled["enabled"] is True and enabled["disabled_reason"] == ""


def test_targets_filter_by_name(admin_client):
    from erpkeeper.targets.models import Target

    target = Target(name="shop")
    target.set_database_url("sqlite:////tmp/shop.sqlite")
    target.save()
    created = admin_client.post(
        BASE,
        {"name": "shop-only", "kind": "slack", "url": "http://127.0.0.1:9/", "targets": ["shop"]},
        format="json",
    )
    assert created.json()["targets"] == ["shop"]
    assert list(Channel.objects.get().targets.all()) == [target]


def test_a_viewer_reads_but_cannot_create_test_or_remove(api_client_for, victor):
    channel = services.create_channel(
        name="hook", kind="webhook", secrets={"url": f"http://127.0.0.1:9/{TOKEN}"}
    )
    client = api_client_for(victor)
    listing = client.get(BASE)
    assert listing.status_code == 200 and TOKEN not in listing.content.decode()
    created = client.post(
        BASE, {"name": "x", "kind": "webhook", "url": "http://127.0.0.1:9/"}, format="json"
    )
    assert created.status_code == 403
    assert client.post(f"{BASE}{channel.pk}/test/").status_code == 403
    assert client.delete(f"{BASE}{channel.pk}/").status_code == 403
    assert client.get("/api/v1/notification-deliveries/").status_code == 200


def test_an_ops_engineer_reads_channels_and_deliveries(api_client_for, olga):
    services.create_channel(name="hook", kind="webhook", secrets={"url": "http://127.0.0.1:9/"})
    client = api_client_for(olga)
    assert client.get(BASE).json()["count"] == 1
    assert client.get("/api/v1/notification-deliveries/").status_code == 200


def test_the_audit_trail_records_the_masked_destination_only(admin_client):
    import json

    from erpkeeper.core.models import AuditEntry

    admin_client.post(
        BASE,
        {
            "name": "hook",
            "kind": "webhook",
            "url": f"http://127.0.0.1:9/{TOKEN}",
            "secret": SIGNING,
        },
        format="json",
    )
    entry = AuditEntry.objects.get(object_type="notifications.channel", action="create")
    recorded = json.dumps([entry.before, entry.after])
    assert TOKEN not in recorded and SIGNING not in recorded
    assert entry.after["secrets_encrypted"] == "********"
    assert entry.after["destination_masked"] == "http://127.0.0.1:9/…"
    assert entry.actor_name == "alice"


def test_settings_must_be_an_object(admin_client):
    response = admin_client.post(
        BASE, {"name": "x", "kind": "slack", "url": "http://127.0.0.1:9/", "config": [1]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400 and "config" in response.json()
