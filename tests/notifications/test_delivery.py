"""Delivering the outbox: retries with backoff, timeouts, permanent failures that disable a
channel, the private-address guard, filters, claims, and secrets kept out of logs."""

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.core import outbox
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications import services
from erpkeeper.notifications.channels import http
from erpkeeper.notifications.delivery import (
    IN_FLIGHT_GRACE,
    MAX_ATTEMPTS,
    claim,
    deliver_pending,
)
from erpkeeper.notifications.models import Channel, Delivery
from erpkeeper.targets.models import Target
from tests.fixtures.receivers import HttpReceiver, Reply

pytestmark = pytest.mark.django_db

TOKEN = "robot-token-5f2a9c81d3e4"


@pytest.fixture(autouse=True)
def _private_webhooks_allowed(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True


def make_target(name):
    target = Target(name=name)
    target.set_database_url(f"sqlite:////tmp/{name}.sqlite")
    target.save()
    return target


def raise_alert(subject="Backup of shop failed", severity="critical", target=None):
    # One event per subject: alerts of one event merge while open.
    event = "backup_failed" if subject.startswith("Backup") else subject.replace(" ", "_")
    return outbox.raise_alert(
        source="backups", event=event, subject=subject, severity=severity, target=target
    )


def webhook(name, receiver, **fields):
    url = receiver.url(f"/hook/{TOKEN}") if receiver else f"http://127.0.0.1:9/{TOKEN}"
    return services.create_channel(name=name, kind="webhook", secrets={"url": url}, **fields)


def later(**delta):
    return timezone.now() + dt.timedelta(**delta)


def test_a_500_is_retried_with_backoff_then_delivered():
    message = raise_alert()
    with HttpReceiver(Reply(500), Reply(200)) as receiver:
        channel = webhook("hook", receiver)
        first = deliver_pending()
        too_early = deliver_pending()
        second = deliver_pending(now=later(seconds=31))
    assert (first.failed, too_early.failed + too_early.delivered, second.delivered) == (1, 0, 1)
    attempts = list(Delivery.objects.filter(channel=channel).order_by("attempt"))
    assert [(d.attempt, d.ok, d.status_code) for d in attempts] == [(1, False, 500), (2, True, 200)]
    assert all(d.duration_ms is not None for d in attempts)
    retry_in = attempts[0].next_retry_at - attempts[0].started
    assert dt.timedelta(seconds=29) < retry_in < dt.timedelta(seconds=32)
    assert attempts[1].next_retry_at is None
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT and message.sent_at is not None
    assert len(receiver.received) == 2


def test_a_429_waits_as_long_as_the_service_asks():
    raise_alert()
    with HttpReceiver(Reply(429, headers={"Retry-After": "300"})) as receiver:
        webhook("hook", receiver)
        deliver_pending()
    delivery = Delivery.objects.get()
    assert delivery.next_retry_at - delivery.started >= dt.timedelta(seconds=299)


def test_a_timeout_is_retried_until_the_last_attempt_and_others_still_deliver(settings):
    settings.NOTIFICATION_READ_TIMEOUT = 0.2
    message = raise_alert()
    with HttpReceiver(Reply(200, delay=1.0)) as slow, HttpReceiver() as fine:
        slow_channel = webhook("slow", slow)
        fine_channel = webhook("fine", fine)
        first = deliver_pending()
        for hours in range(1, MAX_ATTEMPTS + 1):
            deliver_pending(now=later(hours=hours))
    assert first.delivered == 1 and first.failed == 1
    assert len(fine.received) == 1
    attempts = list(Delivery.objects.filter(channel=slow_channel).order_by("attempt"))
    assert [d.attempt for d in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    assert all(d.ok is False and d.error == "timed out" for d in attempts)
    assert all(150 <= d.duration_ms < 1000 for d in attempts)
    assert attempts[-1].next_retry_at is None
    slow_channel.refresh_from_db()
    assert slow_channel.enabled  # timeouts are not the channel's fault
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert Delivery.objects.filter(channel=fine_channel, ok=True).count() == 1


@pytest.mark.parametrize("status", [404, 401])
def test_a_4xx_disables_the_channel_and_the_others_are_told(status):
    raise_alert()
    with HttpReceiver(Reply(status, {"error": "no such hook"})) as broken, HttpReceiver() as fine:
        broken_channel = webhook("broken", broken)
        webhook("fine", fine)
        run = deliver_pending()
        deliver_pending()  # the "channel disabled" notification, raised by the first run
    assert run.disabled == ["broken"]
    broken_channel.refresh_from_db()
    assert not broken_channel.enabled and broken_channel.disabled_at is not None
    assert f"HTTP {status}" in broken_channel.disabled_reason
    alert = OutboxMessage.objects.get(source="notifications", event="channel_disabled")
    assert alert.subject == "Notification channel broken was disabled"
    assert f"broken: HTTP {status}" in alert.body
    assert [r.json()["event"] for r in fine.received] == ["backup_failed", "channel_disabled"]
    assert len(broken.received) == 1  # never tried again, not even for its own alert
    alert.refresh_from_db()
    assert alert.state == OutboxMessage.State.SENT

    services.enable_channel(broken_channel)
    alert.refresh_from_db()
    assert alert.state == OutboxMessage.State.RESOLVED
    assert broken_channel.disabled_reason == ""


def test_a_second_disabled_channel_is_announced_again():
    with HttpReceiver(Reply(404)) as broken, HttpReceiver() as fine:
        webhook("broken-1", broken)
        webhook("fine", fine)
        raise_alert("first")
        deliver_pending()
        deliver_pending()
        webhook("broken-2", broken)
        raise_alert("second", target=make_target("shop"))
        deliver_pending()
        deliver_pending()
    announced = [r.json()["subject"] for r in fine.received if r.json()["source"] != "backups"]
    assert announced == [
        "Notification channel broken-1 was disabled",
        "Notification channel broken-2 was disabled",
    ]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://0.0.0.0/",
    ],
)
def test_private_addresses_are_refused_when_saving(settings, url):
    settings.ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ValidationError) as refused:
        services.create_channel(name="internal", kind="webhook", secrets={"url": url})
    message = refused.value.message_dict["url"][0]
    assert "private or reserved address" in message
    assert "ERPKEEPER_ALLOW_PRIVATE_WEBHOOKS=true" in message
    assert not Channel.objects.exists()


def test_private_addresses_are_refused_at_send_time_and_nothing_is_sent(settings):
    raise_alert()
    with HttpReceiver() as receiver:
        channel = webhook("hook", receiver)
        settings.ALLOW_PRIVATE_WEBHOOKS = False  # e.g. the name now resolves inside the network
        deliver_pending()
    assert receiver.received == []
    delivery = Delivery.objects.get(channel=channel)
    assert "127.0.0.1, a private or reserved address" in delivery.error
    channel.refresh_from_db()
    assert not channel.enabled


def test_public_addresses_pass_the_guard():
    assert http.is_public("93.184.216.34") and http.is_public("2606:4700::1111")
    assert not http.is_public("::ffff:192.168.1.1")


def test_redirects_are_not_followed():
    raise_alert()
    with HttpReceiver(Reply(302, headers={"Location": "http://127.0.0.1:1/elsewhere"})) as r:
        channel = webhook("hook", r)
        deliver_pending()
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.status_code == 302 and "redirects are not followed" in delivery.error


def test_severity_and_target_filters():
    shop, crm = make_target("shop"), make_target("crm")
    with HttpReceiver() as receiver:
        critical_only = webhook("critical-only", receiver, min_severity="critical")
        crm_only = webhook("crm-only", receiver, targets=[crm])
        raise_alert("a warning", severity="warning")
        raise_alert("about shop", target=shop)
        raise_alert("platform-wide")
        deliver_pending()
    assert len(receiver.received) == 4
    assert delivered_subjects(critical_only) == ["about shop", "platform-wide"]
    # Platform-wide notifications (no target) go to every channel, whatever its target filter.
    assert delivered_subjects(crm_only) == ["a warning", "platform-wide"]


def delivered_subjects(channel):
    return sorted(channel.deliveries.filter(ok=True).values_list("message__subject", flat=True))


def test_a_claimed_attempt_is_not_sent_twice():
    message = raise_alert()
    with HttpReceiver() as receiver:
        channel = webhook("hook", receiver)
        assert claim(channel, message, 1) is not None  # another runner got there first
        assert claim(channel, message, 1) is None
        run = deliver_pending()
    assert run.claimed_elsewhere == 0 and run.delivered == 0  # its claim is in flight
    assert receiver.received == []
    with HttpReceiver() as receiver:
        services.update_channel(channel, secrets={"url": receiver.url("/hook")})
        run = deliver_pending(now=later(minutes=1) + IN_FLIGHT_GRACE)  # that runner died
    assert run.delivered == 1 and len(receiver.received) == 1
    assert Delivery.objects.get(channel=channel, attempt=2).ok


def test_a_message_without_channels_stays_pending():
    message = raise_alert()
    assert deliver_pending().as_dict()["delivered"] == 0
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING


def test_secrets_stay_out_of_logs_errors_and_reprs(monkeypatch, caplog):
    def leaky_post(url, body, headers):
        raise RuntimeError(f"cannot post to {url}")

    monkeypatch.setattr(http, "post_json", leaky_post)
    raise_alert()
    channel = services.create_channel(
        name="hook",
        kind="webhook",
        secrets={"url": f"https://hooks.example.com/x/{TOKEN}?key=k-{TOKEN}", "secret": "hmac-k3y"},
    )
    with caplog.at_level(logging.DEBUG):
        deliver_pending()
        services.send_test(channel)
    errors = list(Delivery.objects.values_list("error", flat=True))
    assert errors and all("cannot post to" in e and TOKEN not in e for e in errors)
    assert TOKEN not in caplog.text and "hmac-k3y" not in caplog.text
    assert "RuntimeError" in caplog.text
    assert TOKEN not in repr(channel) + repr(channel.secret_values()) + str(vars(channel))
    assert channel.destination_masked == "https://hooks.example.com/…"


def test_send_test_records_a_delivery_without_disabling():
    with HttpReceiver(Reply(404)) as receiver:
        channel = webhook("hook", receiver)
        delivery = services.send_test(channel)
    assert delivery.ok is False and delivery.status_code == 404 and delivery.is_test
    assert receiver.received[0].json()["event"] == "test"
    channel.refresh_from_db()
    assert channel.enabled  # someone is watching the result: no need to disable


def test_the_scheduler_delivers_every_minute_without_writing_a_job():
    from erpkeeper.core import scheduler
    from erpkeeper.core.jobs import get_kind
    from erpkeeper.core.models import Job

    schedule = {s.name: s for s in scheduler.schedules()}["notifications.deliver"]
    assert schedule.cron == "* * * * *" and schedule.call is not None
    assert get_kind("notifications.deliver").label == "Deliver notifications"
    raise_alert()
    with HttpReceiver() as receiver:
        webhook("hook", receiver)
        scheduler.run_schedule(schedule)
    assert len(receiver.received) == 1 and not Job.objects.exists()


def test_a_channel_whose_secrets_cannot_be_decrypted_is_disabled_with_the_reason():
    raise_alert()
    channel = webhook("hook", None)
    Channel.objects.filter(pk=channel.pk).update(secrets_encrypted="not-a-fernet-token")
    deliver_pending()
    channel = Channel.objects.get(pk=channel.pk)
    assert not channel.enabled and "cannot be decrypted" in channel.disabled_reason
    assert channel.stored_secret_keys == frozenset()  # shown as "not set": enter it again


def test_entering_the_url_again_repairs_a_channel_whose_secrets_were_lost():
    channel = webhook("hook", None)
    Channel.objects.filter(pk=channel.pk).update(secrets_encrypted="not-a-fernet-token")
    channel = Channel.objects.get(pk=channel.pk)
    with pytest.raises(ValidationError):
        services.update_channel(channel, min_severity="info")  # the URL is required
    services.update_channel(channel, secrets={"url": "http://127.0.0.1:9/new"})
    assert Channel.objects.get(pk=channel.pk).secret_values() == {"url": "http://127.0.0.1:9/new"}


def test_https_checks_the_certificate_against_the_host(tmp_path, monkeypatch):
    import ssl

    from tests.fixtures.receivers import self_signed_certificate

    tls_files = self_signed_certificate(tmp_path)
    raise_alert()
    with HttpReceiver(tls_files=tls_files) as receiver:
        untrusted = webhook("untrusted", receiver)
        deliver_pending()
        assert receiver.received == []
        assert "TLS certificate not accepted" in Delivery.objects.get(channel=untrusted).error

        trusting = ssl.create_default_context(cafile=tls_files[0])
        monkeypatch.setattr(http.ssl, "create_default_context", lambda: trusting)
        services.send_test(untrusted)
    assert receiver.received[0].json()["event"] == "test"
