"""The delivery list's filters (notifications/filters.py): the API and ``erpkeeper channel
deliveries`` give the same rows and refuse the same bad values."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from erpkeeper.cli import EXIT_USAGE, main
from erpkeeper.core.models import OutboxMessage
from erpkeeper.notifications.models import Delivery
from erpkeeper.notifications.services import create_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliveries(settings):
    settings.ALLOW_PRIVATE_WEBHOOKS = True
    hook = create_channel(name="hook", kind="webhook", secrets={"url": "http://127.0.0.1:9/"})
    wecom = create_channel(name="wecom", kind="webhook", secrets={"url": "http://127.0.0.1:9/w"})
    message = OutboxMessage.objects.create(
        source="backups", event="backup_failed", severity="critical", subject="Backup failed"
    )
    now = timezone.now()

    def delivery(channel, ok, minutes_ago, message=None):
        started = now - dt.timedelta(minutes=minutes_ago)
        return Delivery.objects.create(channel=channel, message=message, ok=ok, started=started)

    return {
        "hook-ok": delivery(hook, True, 3, message),
        "hook-failed": delivery(hook, False, 2),
        "wecom-failed": delivery(wecom, False, 1, message),
        "message": message,
        "wecom": wecom,
    }


@pytest.fixture
def admin(alice, api_client_for):
    return api_client_for(alice)


def api_ids(client, query: dict) -> list[int]:
    response = client.get("/api/v1/notification-deliveries/", query)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def cli_ids(capsys, *options) -> list[int]:
    assert main(["--json", "channel", "deliveries", *options]) == 0
    return [row["id"] for row in json.loads(capsys.readouterr().out)]


@pytest.mark.parametrize(
    ("query", "options"),
    [
        ({"channel": "hook"}, ["hook"]),
        ({"channel": "WECOM_ID"}, ["WECOM_ID"]),
        ({"ok": "false"}, ["--failed"]),
        ({"ok": "true"}, ["--ok", "true"]),
        ({"channel": "hook", "ok": "false"}, ["hook", "--ok", "false"]),
        ({"message": "MESSAGE_ID"}, ["--message", "MESSAGE_ID"]),
        ({"channel": "nowhere"}, ["nowhere"]),
    ],
)
def test_the_api_and_the_cli_list_the_same_deliveries(admin, capsys, deliveries, query, options):
    values = {"WECOM_ID": str(deliveries["wecom"].pk), "MESSAGE_ID": str(deliveries["message"].pk)}
    query = {name: values.get(value, value) for name, value in query.items()}
    listed = api_ids(admin, query)
    assert listed == cli_ids(capsys, *[values.get(option, option) for option in options])
    assert listed or query.get("channel") == "nowhere"


def test_bad_filters_are_refused_naming_them(admin, capsys, deliveries):
    for query, errors in (
        ({"message": "first"}, {"message": ["Give a whole number."]}),
        ({"ok": "perhaps"}, {"ok": ["Give true or false."]}),
    ):
        response = admin.get("/api/v1/notification-deliveries/", query)
        assert response.status_code == 400
        assert response.json() == errors
    capsys.readouterr()
    assert main(["channel", "deliveries", "--message", "first"]) == EXIT_USAGE
    assert capsys.readouterr().err == "error: --message: Give a whole number.\n"
