"""Assets from and to XLSX and CSV: a good file imports whole; a bad one (wrong columns, a bad
date, a duplicate serial number, an unknown site) imports nothing and names every bad row."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from erpkeeper.assets import services
from erpkeeper.assets.models import Asset, Site
from erpkeeper.cli import main

HEADER = "name,kind,vendor,serial_number,site,warranty_end,cost\n"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode("utf-8")


@pytest.fixture
def shanghai(db):
    return Site.objects.create(name="上海机房")


def test_a_good_csv_imports_every_row_and_updates_by_name(shanghai):
    report = services.import_assets(
        csv_bytes(
            "db1,server,Dell,SN-1,上海机房,2027-03-31,52000",
            "nas1,storage,Synology,SN-2,,2026-12-31,",
        ),
        "csv",
    )
    assert report.ok and (report.created, report.updated) == (2, 0)
    db1 = Asset.objects.get(name="db1")
    assert db1.site == shanghai and db1.warranty_end == dt.date(2027, 3, 31)
    again = services.import_assets(
        csv_bytes("db1,server,Dell,SN-1,上海机房,2028-03-31,52000"), "csv"
    )
    assert (again.created, again.updated) == (0, 1)
    assert Asset.objects.get(name="db1").warranty_end == dt.date(2028, 3, 31)


def test_a_bad_date_and_a_duplicate_serial_import_nothing_and_name_their_rows(shanghai):
    report = services.import_assets(
        csv_bytes(
            "db1,server,Dell,SN-1,上海机房,2027-03-31,1",
            "db2,server,Dell,SN-1,上海机房,2027-03-31,1",
            "db3,server,HP,SN-3,上海机房,31/03/2027,1",
            "db4,server,HP,SN-4,北京机房,2027-03-31,1",
        ),
        "csv",
    )
    assert not report.ok
    text = "\n".join(report.errors)
    # Rows as the spreadsheet numbers them: the header is row 1.
    assert "row 3: Another asset of this vendor has this serial number" in text
    assert "row 4: warranty_end: give a date as YYYY-MM-DD, not 31/03/2027" in text
    assert "row 5: site: Unknown site: 北京机房" in text
    assert "row 2:" not in text
    assert not Asset.objects.exists()  # db1 was fine, and is not half-imported either


def test_wrong_columns_are_refused_before_any_row(db):
    with pytest.raises(Exception, match="Wrong columns: colour"):
        services.import_assets(csv_bytes("x,red", header="name,colour\n"), "csv")
    with pytest.raises(Exception, match="name is required"):
        services.import_assets(csv_bytes("Dell", header="vendor\n"), "csv")
    with pytest.raises(Exception, match="xlsx or .csv"):
        services.import_assets(b"x", "ods")
    with pytest.raises(Exception, match="cannot be read as XLSX"):
        services.import_assets(b"not a workbook", "xlsx")
    assert not Asset.objects.exists()


def test_a_dry_run_checks_and_keeps_nothing(db):
    report = services.import_assets(csv_bytes("db1,server,Dell,SN-1,,,"), "csv", dry_run=True)
    assert report.ok and report.created == 1 and report.dry_run
    assert not Asset.objects.exists()


def test_an_export_reads_back_as_an_import(shanghai):
    services.create_asset(name="db1", vendor="Dell", serial_number="SN-1", site=shanghai,
                          warranty_end=dt.date(2027, 3, 31))  # fmt: skip
    content = services.export_assets(file_format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.values)
    assert rows[0][:6] == ("name", "kind", "status", "vendor", "model", "serial_number")
    assert rows[1][0] == "db1" and "上海机房" in rows[1]
    Asset.objects.all().delete()
    report = services.import_assets(content, "xlsx")
    assert report.ok and report.created == 1
    assert Asset.objects.get().warranty_end == dt.date(2027, 3, 31)
    csv_text = services.export_assets(file_format="csv").decode("utf-8-sig")
    assert csv_text.startswith("name,kind,status") and "db1" in csv_text


def test_the_cli_imports_all_or_nothing_and_exports(tmp_path, olga, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("db1,server,Dell,SN-1,,2027-02-30,1"))
    assert main(["--as", "olga", "asset", "import", str(bad)]) == 2
    assert "row 2: warranty_end" in capsys.readouterr().err
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("db1,server,Dell,SN-1,,2027-02-28,1"))
    assert main(["asset", "import", str(good), "--dry-run"]) == 0
    assert "would import: 1 new" in capsys.readouterr().out
    assert not Asset.objects.exists()
    assert main(["--as", "olga", "asset", "import", str(good)]) == 0
    out = tmp_path / "all.csv"
    capsys.readouterr()
    assert main(["--json", "asset", "export", "--format", "csv", "-o", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["assets"] == 1
    assert "db1" in out.read_text("utf-8-sig")
    assert main(["asset", "import", str(tmp_path / "missing.csv")]) == 2


def test_a_viewer_may_not_import_from_the_cli(tmp_path, victor, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("db1,server,Dell,SN-1,,,"))
    assert main(["--as", "victor", "asset", "import", str(good)]) == 2
    assert "may not add" in capsys.readouterr().err
    assert not Asset.objects.exists()
