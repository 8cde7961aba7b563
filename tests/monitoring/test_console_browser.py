"""A target's monitoring page in a real browser (Debian's headless Chromium): the charts load
their points from the JSON endpoint, and the range selector reloads them."""

import os
from pathlib import Path

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.monitoring.models import Host, HostKind
from erpkeeper.monitoring.tsdb.ingest import forget_series_ids, ingest
from erpkeeper.monitoring.tsdb.rollups import roll_up
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.monitoring import recent_samples
from tests.fixtures.personas import PERSONA_PASSWORD

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "monitoring-target.png"
POINTS_OF = (
    "(key) => Chart.getChart(document.querySelector(`canvas[data-chart=${key}]`))"
    ".data.datasets.reduce((sum, dataset) => sum + dataset.data.length, 0)"
)

pytestmark = BROWSER_MARKS


@pytest.fixture
def monitored_target(db, tryton_sqlite_db):
    from erpkeeper.targets import services as targets

    target = targets.add_target(name="shop", database_url=tryton_sqlite_db)
    host = Host.objects.create(name="erp1", kind=HostKind.AGENT)
    host.targets.add(target)
    forget_series_ids()  # ingest's cache outlives the series of earlier tests
    ingest(host, recent_samples(target.name, minutes=50))
    roll_up()  # the every-minute job: ranges over 6 hours read the rollups
    return target


def open_charts(page, base, target):
    page.goto(f"{base}/monitoring/charts/target/{target.pk}/")
    page.wait_for_selector("[data-monitoring-charts][data-loaded]")


def test_target_monitoring_page_draws_the_charts(
    live_server, browser_page, olga, monitored_target, tmp_path
):
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    open_charts(browser_page, live_server.url, monitored_target)

    for key in ("cpu", "memory", "disk", "db_size", "db_connections", "rpc_latency"):
        canvas = browser_page.locator(f"canvas[data-chart={key}]")
        assert canvas.is_visible() and canvas.bounding_box()["height"] > 100, key
        assert browser_page.evaluate(POINTS_OF, key) > 0, key
    # min, max and average of the one CPU line: a band around the average.
    assert (
        browser_page.evaluate(
            "() => Chart.getChart(document.querySelector('canvas[data-chart=cpu]')).data.datasets"
            ".length"
        )
        == 3
    )
    assert browser_page.locator(
        "[data-testid=chart-queue] [data-testid=not-available]"
    ).is_visible()
    assert browser_page.locator("[data-testid=smart-status]").is_visible()

    browser_page.click("[data-range-button='7d']")
    browser_page.wait_for_function(
        "() => document.querySelector('[data-monitoring-charts]').dataset.loaded === '2'"
    )
    assert browser_page.locator("[data-live-note]").is_hidden()  # long ranges do not refresh

    browser_page.click("[data-range-button='1h']")
    browser_page.wait_for_function(
        "() => document.querySelector('[data-monitoring-charts]').dataset.loaded === '3'"
    )
    assert browser_page.evaluate(POINTS_OF, "cpu") > 0
    # The documentation's picture is refreshed on request only, so a test run leaves the
    # working tree as it found it.
    if os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        browser_page.screenshot(path=str(SCREENSHOT), full_page=True)
    browser_page.screenshot(path=str(tmp_path / "monitoring-target-en.png"), full_page=True)

    accounts.set_language(olga, "zh-hans")
    open_charts(browser_page, live_server.url, monitored_target)
    assert browser_page.evaluate(POINTS_OF, "cpu") > 0
    assert "仪表盘" in browser_page.inner_text("body")
    browser_page.screenshot(path=str(tmp_path / "monitoring-target-zh.png"), full_page=True)

    browser_page.goto(f"{live_server.url}/targets/target/{monitored_target.pk}/change/")
    browser_page.wait_for_load_state("networkidle")
    assert browser_page.locator("[data-testid=monitoring-panel] polyline").count() >= 4
    browser_page.screenshot(path=str(tmp_path / "monitoring-panel-zh.png"), full_page=True)
