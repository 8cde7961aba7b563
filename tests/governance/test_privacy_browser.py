"""The data map page in a real browser: Chart.js draws the categories, the table lists them."""

from __future__ import annotations

import os

from erpkeeper.governance.privacy import services
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS


def test_a_viewer_sees_the_data_map_with_its_chart(live_server, browser_page, victor, erp):
    scan = services.run_scan(erp)
    page = browser_page
    sign_in(page, live_server.url, "victor", PERSONA_PASSWORD)
    page.goto(f"{live_server.url}/governance/privacy/map/{erp.pk}/")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('ek-privacy-chart'))"
    )
    rows = page.locator('[data-testid="privacy-map-row"]')
    assert rows.count() >= 6
    assert "party.identifier" in page.locator('[data-testid="privacy-map-models"]').inner_text()
    if os.environ.get("ERPKEEPER_SCREENSHOTS_DIR"):
        page.screenshot(path=os.path.join(os.environ["ERPKEEPER_SCREENSHOTS_DIR"], "map.png"))
    page.goto(f"{live_server.url}/governance/privacyscan/{scan.pk}/change/")
    assert page.locator('[data-testid="privacy-finding"]').count() == scan.findings_count
    if os.environ.get("ERPKEEPER_SCREENSHOTS_DIR"):
        page.screenshot(
            path=os.path.join(os.environ["ERPKEEPER_SCREENSHOTS_DIR"], "scan.png"), full_page=True
        )
