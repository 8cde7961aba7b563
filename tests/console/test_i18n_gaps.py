"""Strings that were English for Chinese readers: maintenance-window errors go through gettext,
and the console names core's records in words people understand."""

from __future__ import annotations

from unittest import mock

import pytest

from erpkeeper.targets.windows import WindowSyntaxError, parse_window
from tests.fixtures.two_factor import force_login

BAD_WINDOWS = [
    "sunday",
    "xyz 02:00 4h",
    "sun 25:00 4h",
    "sun 02:00 forever",
    "sun 02:00 0m",
    "sun 02:00 4h Mars/Base",
]


@pytest.mark.parametrize("text", BAD_WINDOWS)
def test_maintenance_window_errors_are_translated(text):
    # Marks what gettext returns: every error must come through it (the zh_Hans catalog then
    # holds its Chinese), with the bad text filled in after translation.
    with (
        mock.patch("erpkeeper.targets.windows._", side_effect=lambda msgid: f"«{msgid}»"),
        pytest.raises(WindowSyntaxError) as raised,
    ):
        parse_window(text)
    assert str(raised.value).startswith("«") and "%(" not in str(raised.value)


@pytest.mark.django_db
def test_the_console_calls_core_operations_records(alice, client):
    force_login(client, alice)
    html = client.get("/core/job/").content.decode()
    assert "Operations records" in html
    assert ">Core<" not in html


@pytest.mark.django_db
def test_default_rule_names_follow_the_reader_and_renamed_ones_stay(olga, client):
    from erpkeeper.accounts.services import set_language
    from erpkeeper.alerts import services
    from erpkeeper.alerts.models import AlertRule

    disk = AlertRule.objects.get(default_key="disk")
    assert disk.name == "Disk almost full"  # stored as the msgid, whatever the platform language
    set_language(olga, "zh-hans")
    client.force_login(olga)
    html = client.get("/alerts/alertrule/").content.decode()
    assert "磁盘" in html and "Disk almost full" not in html
    services.update_rule(disk, name="Platte fast voll")
    html = client.get("/alerts/alertrule/").content.decode()
    assert "Platte fast voll" in html
