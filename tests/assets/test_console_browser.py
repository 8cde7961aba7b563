"""Assets in a real browser (Debian's headless Chromium), as an ops engineer would try them: a
spreadsheet with a bad date and a duplicate serial number is refused whole with its rows named;
the corrected file imports; an inspection is recorded item by item; the replacement plan shows
its budget chart."""

from __future__ import annotations

from decimal import Decimal

from erpkeeper.assets import services
from erpkeeper.assets.models import Asset, Inspection, InspectionTemplate, ReplacementPlan
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS

BAD = "name,kind,vendor,serial_number,warranty_end\n" + (
    "db1,server,Dell,SN-1,2027-03-31\ndb2,server,Dell,SN-1,2027-03-31\nnas1,storage,QNAP,Q1,2027-31-03\n"
)


def test_an_ops_engineer_imports_records_an_inspection_and_reads_the_budget(
    live_server, browser_page, olga, tmp_path
):
    page, base = browser_page, live_server.url
    sign_in(page, base, "olga", PERSONA_PASSWORD)

    page.goto(base + "/assets/asset/")
    page.click("text=Import from XLSX or CSV")
    bad = tmp_path / "assets.csv"
    bad.write_text(BAD)
    page.set_input_files("input[name=file]", str(bad))
    page.click("[data-testid=import-submit]")
    page.wait_for_load_state("networkidle")
    report = page.inner_text("[data-testid=import-report]")
    assert "Nothing was imported" in report
    assert "row 3: Another asset of this vendor has this serial number" in report
    assert "row 4: warranty_end: give a date as YYYY-MM-DD, not 2027-31-03" in report
    assert not Asset.objects.exists()
    page.screenshot(path=str(tmp_path / "import-errors.png"), full_page=True)

    good = tmp_path / "fixed.csv"
    good.write_text(BAD.replace("db2,server,Dell,SN-1", "db2,server,Dell,SN-2").replace(
        "2027-31-03", "2027-03-31"))  # fmt: skip
    page.set_input_files("input[name=file]", str(good))
    page.click("[data-testid=import-submit]")
    page.wait_for_load_state("networkidle")
    assert "/assets/asset/" in page.url and "3 new" in page.inner_text("body")
    assert Asset.objects.count() == 3

    template = InspectionTemplate.objects.create(name="月检", checklist="Fans\nRAID")
    inspection = Inspection.objects.create(
        asset=Asset.objects.get(name="db1"), template=template, due_date="2026-01-05"
    )
    page.goto(base + f"/assets/inspection/{inspection.pk}/change/")
    page.click("text=Enter the results")
    page.check("input[name=outcome-0][value=issue]")
    page.fill("input[name=note-0]", "fan 2 stopped")
    page.check("input[name=outcome-1][value=ok]")
    page.click("[data-testid=inspection-submit]")
    page.wait_for_load_state("networkidle")
    inspection.refresh_from_db()
    assert inspection.state == "failed" and inspection.inspector == olga

    for name, quarter, cost in (("db1", "2027Q1", 52000), ("nas1", "2027Q2", 30000)):
        ReplacementPlan.objects.create(
            asset=Asset.objects.get(name=name), quarter=quarter, estimated_cost=Decimal(cost)
        )
    page.goto(base + "/assets/replacementplan/")
    budget = page.locator("[data-testid=budget]")
    assert "2027Q1" in budget.inner_text() and "52000.00" in budget.inner_text()
    page.wait_for_function("() => Chart.getChart(document.getElementById('ek-budget-chart'))")
    page.screenshot(path=str(tmp_path / "budget.png"), full_page=True)
    assert services.budget_by_quarter()[0]["quarter"] == "2027Q1"
