"""Service desk → Reports in a real browser (Debian's headless Chromium), in English and in
Chinese, over the demo's ticket history: every chart is drawn. Pictures go to the test's
folder, and to docs/img on request (ERPKEEPER_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.demo.tickets import ensure_demo_tickets
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
DRAWN = "[...document.querySelectorAll('canvas.chart')].filter(c => Chart.getChart(c)).length"


@pytest.mark.parametrize(("language", "sidebar"), [("en", "Service desk"), ("zh-hans", "服务台")])
def test_the_reports_page_draws_every_chart(
    live_server, browser_page, mark, tmp_path, language, sidebar
):
    ensure_demo_tickets()
    accounts.set_language(mark, language)
    page, base = browser_page, live_server.url
    sign_in(page, base, "mark", PERSONA_PASSWORD)
    page.goto(base + "/servicedesk/ticket/reports/")
    page.wait_for_load_state("networkidle")
    page.wait_for_function(f"{DRAWN} === 7")
    assert sidebar in page.inner_text("body")
    assert page.locator("[data-testid=report-rate]").count() == 4
    name = f"servicedesk-reports-{language}.png"
    page.screenshot(path=str(tmp_path / name), full_page=True)
    if os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / name), full_page=True)
