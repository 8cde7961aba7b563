"""The channel pages of the console: list with state and last delivery, the form with
write-only secrets, "Send test", enabling, and the read-only delivery list."""

import pytest

from erpkeeper.core import outbox
from erpkeeper.notifications import services
from erpkeeper.notifications.delivery import deliver_pending
from erpkeeper.notifications.models import Channel
from tests.fixtures.receivers import HttpReceiver, Reply

pytestmark = pytest.mark.django_db

BASE = "/notifications/channel/"
TOKEN = "wecom-key-7f3e2d1c0b"


@pytest.fixture(autouse=True)
def _private_webhooks_allowed(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True


@pytest.fixture
def admin(alice, console_client_for):
    return console_client_for(alice)


def form_data(**fields):
    data = {
        "name": "ops-wecom",
        "kind": "wecom",
        "enabled": "on",
        "min_severity": "warning",
        "description": "",
        "security": "starttls",
        "message_type": "interactive",
    }
    data.update(fields)
    return data


def test_add_a_channel_with_a_secret_url_and_keep_it_when_editing(admin):
    url = f"http://127.0.0.1:9/cgi-bin/webhook/send?key={TOKEN}"
    response = admin.post(f"{BASE}add/", form_data(url=url))
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert channel.secret_values()["url"] == url

    page = admin.get(f"{BASE}{channel.pk}/change/").content.decode()
    assert TOKEN not in page and "Leave empty to keep it" in page
    edited = admin.post(f"{BASE}{channel.pk}/change/", form_data(min_severity="critical"))
    assert edited.status_code == 302
    channel.refresh_from_db()
    assert channel.min_severity == "critical" and channel.secret_values()["url"] == url


def test_email_settings_are_checked_next_to_their_fields(admin):
    response = admin.post(
        f"{BASE}add/",
        form_data(name="mail", kind="email", host="smtp.example.com", port="587",
                  from_address="erpkeeper@example.com", recipients="not-an-address"),
    )  # fmt: skip
    assert response.status_code == 200
    assert "not-an-address is not a valid email address" in response.content.decode()
    assert not Channel.objects.exists()


def test_a_private_address_is_refused_in_the_form(admin, settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = False
    response = admin.post(f"{BASE}add/", form_data(url="http://127.0.0.1:9/x"))
    assert "ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS" in response.content.decode()
    assert not Channel.objects.exists()


def test_send_test_shows_the_result(admin):
    with HttpReceiver(Reply(200, {"errcode": 0, "errmsg": "ok"})) as receiver:
        channel = services.create_channel(
            name="ops-wecom", kind="wecom", secrets={"url": receiver.url(f"/send?key={TOKEN}")}
        )
        page = admin.get(f"{BASE}{channel.pk}/send_test_detail/", follow=True)
        from_list = admin.get(f"{BASE}{channel.pk}/send_test_row/")
    assert "test message delivered in" in page.content.decode()
    assert from_list.status_code == 302 and from_list.url == BASE
    assert len(receiver.received) == 2


def test_the_list_shows_the_last_delivery_and_why_a_channel_was_disabled(admin):
    outbox.raise_alert(source="backups", event="backup_failed", subject="Backup failed")
    with HttpReceiver(Reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})) as r:
        services.create_channel(name="ops-wecom", kind="wecom", secrets={"url": r.url()})
        deliver_pending()
    page = admin.get(BASE).content.decode()
    assert "WeCom robot error 93000: invalid webhook url" in page
    assert "✗" in page
    channel = Channel.objects.get()
    detail = admin.get(f"{BASE}{channel.pk}/change/").content.decode()
    assert "enable_detail" in detail  # the "Enable" button shows while it is disabled
    admin.get(f"{BASE}{channel.pk}/enable_detail/")
    channel.refresh_from_db()
    assert channel.enabled

    deliveries = admin.get("/notifications/delivery/").content.decode()
    assert "Backup failed" in deliveries and "invalid webhook url" in deliveries


def test_a_viewer_sees_channels_but_cannot_add_or_test(victor, console_client_for):
    channel = services.create_channel(
        name="hook", kind="webhook", secrets={"url": f"http://127.0.0.1:9/{TOKEN}"}
    )
    client = console_client_for(victor)
    page = client.get(BASE)
    assert page.status_code == 200 and TOKEN not in page.content.decode()
    assert client.get(f"{BASE}add/").status_code == 403
    assert client.get(f"{BASE}{channel.pk}/send_test_detail/").status_code == 403
