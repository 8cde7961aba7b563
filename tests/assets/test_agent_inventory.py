"""The real agent reports its machine's inventory to a live ERPKeeper server with its host
token: the asset is created, then updated (not duplicated), with SMART observations appended."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from erpkeeper.assets import services
from erpkeeper.assets.models import Asset, DiskObservation, InstallSource, SmartHealth
from erpkeeper.assets.services.health import PENALTIES
from erpkeeper.core.models import OutboxMessage
from erpkeeper.monitoring.agent.inventory import smart_facts
from erpkeeper.monitoring.services import create_host
from tests.fixtures.alerts import make_target

VENV = str(Path(sys.executable).parent.parent)  # this environment has trytond installed


def run_agent_once(
    live_server, host_name: str, token: str, tmp_path
) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "erpkeeper.monitoring.agent", "--server", live_server.url,
        "--token", token, "--name", host_name, "--buffer-dir", str(tmp_path),
        "--erp-venv", VENV, "--inventory-once",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.django_db(transaction=True)
def test_the_agent_fills_an_asset_and_a_second_run_updates_it(live_server, tmp_path):
    erp = make_target("erp-prod")
    host, token = create_host("erp-host-1", targets=[erp])

    first = run_agent_once(live_server, host.name, token, tmp_path)
    assert first.returncode == 0, first.stderr
    asset = Asset.objects.get(host=host)
    assert asset.name == "erp-host-1" and asset.kind == "server"
    assert asset.ram_mb and asset.ram_mb > 100 and asset.cpu and asset.os
    assert list(asset.targets.values_list("name", flat=True)) == ["erp-prod"]
    trytond = asset.software.get(product="trytond")
    assert trytond.version.startswith("8.2") and trytond.source == InstallSource.AGENT
    assert asset.interfaces.exists()
    disks = list(asset.disks.all())
    assert disks, "the machine has at least one block device"
    # No smartmontools here (or no right to read): said, not guessed.
    assert all(d.smart_health in SmartHealth.values for d in disks)
    assert asset.health_score is not None

    # What people entered stays when the agent reports again; its warranty notice fires.
    services.update_asset(asset, warranty_end=timezone.localdate() + dt.timedelta(days=30))
    second = run_agent_once(live_server, host.name, token, tmp_path)
    assert second.returncode == 0, second.stderr
    assert Asset.objects.filter(host=host).count() == 1
    assert DiskObservation.objects.filter(disk__asset=asset).count() == 2 * len(disks)
    assert services.raise_due_notices() == 1
    notice = OutboxMessage.objects.get(source="assets")
    assert notice.subject.startswith("Warranty of erp-host-1 ends on") and notice.target == erp


@pytest.mark.django_db(transaction=True)
def test_a_wrong_token_is_refused_and_the_agent_says_so(live_server, tmp_path):
    host, _token = create_host("erp-host-2")
    wrong = "ekh_AAAAAAAA_" + "b" * 43
    done = run_agent_once(live_server, host.name, wrong, tmp_path)
    assert done.returncode == 1 and "inventory not taken (401)" in done.stderr
    assert not Asset.objects.exists()


def test_another_hosts_name_or_a_malformed_report_changes_nothing(db):
    host, token = create_host("erp-host-3")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = "/api/v1/assets/inventory/"
    assert client.post(url, {"host": "other", "inventory": {}}, format="json").status_code == 401
    bad = {"host": host.name, "inventory": {"disks": "sda"}}
    answer = client.post(url, bad, format="json")
    assert answer.status_code == 400 and "disks" in answer.json()
    no_device = {"host": host.name, "inventory": {"disks": [{"model": "x"}]}}
    assert client.post(url, no_device, format="json").status_code == 400
    assert not Asset.objects.exists()


def test_rising_reallocated_sectors_between_reports_lower_the_health(db):
    host, token = create_host("erp-host-4")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    disk = {"device": "/dev/sda", "smart_health": "passed", "reallocated_sectors": 0}
    report = {"vendor": "Dell Inc.", "serial": "SN-1", "disks": [disk]}
    first = client.post(
        "/api/v1/assets/inventory/", {"host": host.name, "inventory": report}, format="json"
    )
    assert first.status_code == 201 and first.json()["health"] == 100
    disk["reallocated_sectors"] = 24
    again = client.post(
        "/api/v1/assets/inventory/", {"host": host.name, "inventory": report}, format="json"
    )
    assert again.status_code == 200
    assert again.json()["health"] == 100 - PENALTIES["reallocated_rising"]
    asset = Asset.objects.get()
    assert asset.serial_number == "SN-1" and asset.vendor == "Dell Inc."


def test_smartctl_json_is_read_for_health_sectors_temperature_and_hours():
    report = {
        "smart_status": {"passed": False},
        "ata_smart_attributes": {"table": [{"id": 5, "raw": {"value": 12}}]},
        "temperature": {"current": 61},
        "power_on_time": {"hours": 40100},
        "model_name": "ST4000NM0035",
    }
    facts = smart_facts(report)
    assert facts == {
        "smart_health": "failed",
        "reallocated_sectors": 12,
        "temperature_c": 61,
        "power_on_hours": 40100,
        "model": "ST4000NM0035",
    }
    assert smart_facts({}) == {}
