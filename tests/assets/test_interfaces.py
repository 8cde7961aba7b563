"""Assets through the API, the console and the CLI, as each persona: ops engineers and
administrators change, the others read; only administrators set a licence key, which nobody
ever reads back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from erpkeeper.assets import services
from erpkeeper.assets.models import Asset, Inspection, InspectionTemplate, SoftwareLicence
from erpkeeper.cli import main
from erpkeeper.core.models import AuditEntry
from erpkeeper.lib import crypto
from tests.fixtures.alerts import make_target

KEY = "XKQ7-4PJ2-LICENCE-SECRET"


def test_olga_adds_and_changes_an_asset_and_victor_only_reads(olga, victor, api_client_for):
    ops, viewer = api_client_for(olga), api_client_for(victor)
    created = ops.post(
        "/api/v1/assets/",
        {"name": "db1", "kind": "server", "vendor": "Dell", "serial_number": "SN-1",
         "warranty_end": "2027-03-31"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert ops.patch(f"/api/v1/assets/{pk}/", {"status": "spare"}, format="json").status_code == 200
    assert viewer.get(f"/api/v1/assets/{pk}/").json()["status"] == "spare"
    assert (
        viewer.patch(f"/api/v1/assets/{pk}/", {"status": "broken"}, format="json").status_code
        == 403
    )
    assert viewer.get(f"/api/v1/assets/{pk}/health/").json() == {"score": 100, "reasons": []}
    entry = AuditEntry.objects.filter(object_type="assets.asset").order_by("sequence").last()
    assert entry.actor_name == "olga"


def test_a_duplicate_serial_or_a_rack_of_another_site_is_a_400(olga, api_client_for):
    ops = api_client_for(olga)
    body = {"name": "db1", "vendor": "Dell", "serial_number": "SN-1"}
    assert ops.post("/api/v1/assets/", body, format="json").status_code == 201
    again = ops.post("/api/v1/assets/", {**body, "name": "db2"}, format="json")
    assert again.status_code == 400 and "serial number" in json.dumps(again.json())
    other_vendor = ops.post(
        "/api/v1/assets/", {**body, "name": "db3", "vendor": "HP"}, format="json"
    )
    assert other_vendor.status_code == 201
    site_a = ops.post("/api/v1/asset-sites/", {"name": "A"}, format="json").json()["id"]
    site_b = ops.post("/api/v1/asset-sites/", {"name": "B"}, format="json").json()["id"]
    rack = ops.post("/api/v1/asset-racks/", {"site": site_b, "name": "R1"}, format="json").json()
    wrong = ops.post(
        "/api/v1/assets/", {"name": "db4", "site": site_a, "rack": rack["id"]}, format="json"
    )
    assert wrong.status_code == 400 and "rack" in wrong.json()


def test_only_alice_sets_a_licence_key_and_nobody_reads_it_back(alice, olga, api_client_for):
    ops, admin = api_client_for(olga), api_client_for(alice)
    licence = ops.post(
        "/api/v1/asset-licences/", {"product": "Windows Server", "seats": 2}, format="json"
    ).json()
    url = f"/api/v1/asset-licences/{licence['id']}/set-key/"
    assert ops.post(url, {"key": KEY}, format="json").status_code == 403
    answer = admin.post(url, {"key": KEY}, format="json")
    assert answer.status_code == 200 and answer.json()["has_key"] is True
    assert KEY not in answer.content.decode()
    stored = SoftwareLicence.objects.get()
    assert KEY not in stored.key_encrypted and crypto.decrypt(stored.key_encrypted) == KEY
    listed = admin.get("/api/v1/asset-licences/").content.decode()
    assert KEY not in listed and "key_encrypted" not in listed
    trail = json.dumps(list(AuditEntry.objects.values("before", "after")))
    assert KEY not in trail and stored.key_encrypted not in trail


def test_an_inspection_is_recorded_through_the_api(olga, victor, api_client_for):
    db1 = services.create_asset(name="db1")
    template = InspectionTemplate.objects.create(name="月检", checklist="Fans\nRAID")
    inspection = Inspection.objects.create(asset=db1, template=template, due_date="2026-01-05")
    url = f"/api/v1/asset-inspections/{inspection.pk}/record/"
    results = {"results": [{"item": "Fans", "outcome": "ok"}, {"item": "RAID", "outcome": "ok"}]}
    assert api_client_for(victor).post(url, results, format="json").status_code == 403
    overdue = api_client_for(victor).get("/api/v1/asset-inspections/?overdue=true").json()
    assert [i["id"] for i in overdue["results"]] == [inspection.pk]
    missing = api_client_for(olga).post(url, {"results": results["results"][:1]}, format="json")
    assert missing.status_code == 400 and "RAID" in json.dumps(missing.json())
    done = api_client_for(olga).post(url, results, format="json")
    assert done.status_code == 200 and done.json()["state"] == "passed"


def test_files_through_the_api(olga, victor, api_client_for):
    bad = SimpleUploadedFile("a.csv", b"name,vendor,purchase_date\ndb1,Dell,yesterday\n")
    refused = api_client_for(olga).post("/api/v1/assets/import/", {"file": bad}, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "row 2: purchase_date: give a date as YYYY-MM-DD, not yesterday"
    ]
    good = SimpleUploadedFile("a.csv", b"name,vendor\ndb1,Dell\n")
    assert (
        api_client_for(victor)
        .post("/api/v1/assets/import/", {"file": good}, format="multipart")
        .status_code
        == 403
    )
    good.seek(0)
    taken = api_client_for(olga).post("/api/v1/assets/import/", {"file": good}, format="multipart")
    assert taken.status_code == 200 and taken.json()["created"] == 1
    exported = api_client_for(victor).get("/api/v1/assets/export/?as=csv")
    assert exported.status_code == 200 and b"db1,server" in exported.content
    assert api_client_for(victor).get("/api/v1/assets/export/?as=pdf").status_code == 400


def test_the_console_pages(olga, victor, console_client_for):
    today = timezone.localdate()
    services.create_asset(name="db1", warranty_end=today + dt.timedelta(days=20))
    ops = console_client_for(olga)
    for url in (
        "/assets/asset/",
        "/assets/site/",
        "/assets/softwarelicence/",
        "/assets/inspection/",
        "/assets/replacementplan/",
        "/assets/import/",
        f"/assets/asset/{Asset.objects.get().pk}/change/",
    ):
        assert ops.get(url).status_code == 200, url
    bad = SimpleUploadedFile("a.csv", b"name,colour\ndb2,red\n")
    page = ops.post("/assets/import/", {"file": bad}).content.decode()
    assert "Wrong columns: colour" in page
    dup = SimpleUploadedFile("a.csv", b"name,vendor,serial_number\nx,Dell,S\ny,Dell,S\n")
    page = ops.post("/assets/import/", {"file": dup}).content.decode()
    assert "Nothing was imported" in page and "row 3" in page
    assert not Asset.objects.filter(name__in=["x", "y"]).exists()
    assert console_client_for(victor).get("/assets/import/").status_code == 403
    dashboard = console_client_for(victor).get("/").content.decode()
    assert 'data-testid="tile-assets"' in dashboard
    assert "warranty ending within 30 days: 1" in dashboard
    export = console_client_for(victor).get("/assets/export/?format=xlsx")
    assert export.status_code == 200 and export["Content-Disposition"].endswith('.xlsx"')


def test_a_targets_page_says_which_host_assets_it_runs_on(victor, console_client_for):
    shop = make_target("shop")
    services.create_asset(name="db1", targets=[shop], warranty_end=dt.date(2027, 3, 31))
    page = console_client_for(victor).get(f"/targets/target/{shop.pk}/change/").content.decode()
    assert 'data-testid="assets-panel"' in page and "db1" in page and "2027-03-31" in page


def test_an_inspection_recorded_in_the_console(olga, console_client_for):
    db1 = services.create_asset(name="db1")
    template = InspectionTemplate.objects.create(name="月检", checklist="Fans\nRAID")
    inspection = Inspection.objects.create(asset=db1, template=template, due_date="2026-01-05")
    client = console_client_for(olga)
    url = f"/assets/inspections/{inspection.pk}/record/"
    page = client.get(url).content.decode()
    assert "Fans" in page and "Overdue" in page
    listed = client.get("/assets/inspection/?overdue=yes").content.decode()
    assert f"/assets/inspection/{inspection.pk}/change/" in listed
    answer = client.post(url, {"outcome-0": "issue", "outcome-1": "ok"})
    assert "say what the issue is" in answer.content.decode()
    answer = client.post(url, {"outcome-0": "issue", "note-0": "fan 2 stopped", "outcome-1": "ok"})
    assert answer.status_code == 302
    inspection.refresh_from_db()
    assert (
        inspection.state == "failed" and inspection.results.get(item="Fans").note == "fan 2 stopped"
    )


def test_the_cli(olga, capsys):
    add = ["--as", "olga", "asset", "add", "db1", "--vendor", "Dell", "--serial", "SN-1"]
    assert main([*add, "--site", "上海机房", "--warranty-end", "2027-03-31", "--cost", "5"]) == 0
    assert main(["asset", "add", "db2", "--vendor", "Dell", "--serial", "SN-1"]) == 2
    assert "serial number" in capsys.readouterr().err
    assert main(["asset", "add", "db3", "--warranty-end", "31.03.2027"]) == 2
    assert main(["--json", "asset", "list", "--kind", "server"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["db1"] and rows[0]["site"] == "上海机房"
    assert main(["--json", "asset", "show", "db1"]) == 0
    assert json.loads(capsys.readouterr().out)["health"] == 100
    assert main(["asset", "show", "nope"]) == 3
    template = InspectionTemplate.objects.create(name="月检", checklist="Fans\nRAID")
    inspection = Inspection.objects.create(
        asset=Asset.objects.get(name="db1"), template=template, due_date="2026-01-05"
    )
    capsys.readouterr()
    assert main(["asset", "inspect"]) == 0
    assert "yes" in capsys.readouterr().out  # overdue
    assert main(["asset", "inspect", str(inspection.pk), "--result", "Fans=ok"]) == 2
    assert main(["asset", "inspect", str(inspection.pk), "--result", "Fans=ok",
                 "--result", "RAID=issue:disk 2 rebuilding"]) == 0  # fmt: skip
    assert main(["--json", "asset", "health", "db1"]) == 0
    assert "Inspection on" in capsys.readouterr().out.split("inspection")[-1]


@pytest.mark.parametrize("username", ["victor", "mark", "dave"])
def test_other_roles_may_not_add_from_the_cli(username, personas, capsys):
    assert main(["--as", username, "asset", "add", "x"]) == 2
    assert "may not add" in capsys.readouterr().err


def test_the_licence_key_field_is_for_administrators_only_in_the_console(
    alice, olga, console_client_for
):
    licence = services.save_licence(SoftwareLicence(product="Windows Server"))
    url = f"/assets/softwarelicence/{licence.pk}/change/"
    assert 'name="new_key"' not in console_client_for(olga).get(url).content.decode()
    admin = console_client_for(alice)
    assert 'name="new_key"' in admin.get(url).content.decode()
    form = {"product": "Windows Server", "vendor": "", "seats": 1, "new_key": KEY, "notes": ""}
    assert admin.post(url, form).status_code == 302
    licence.refresh_from_db()
    assert crypto.decrypt(licence.key_encrypted) == KEY
    assert KEY not in admin.get(url).content.decode()


def test_the_daily_schedule_is_registered():
    from erpkeeper.core.scheduler import schedules

    assert "assets.daily" in {s.name for s in schedules()}
