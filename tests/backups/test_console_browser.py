"""The backup panel of a target's page in a real browser (Debian's headless Chromium)."""

import os
from pathlib import Path

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.backups import services
from erpkeeper.backups.models import Destination
from erpkeeper.core.models import Job
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "backups-target.png"


@pytest.fixture
def target_with_history(sqlite_backup_target, local_destination, tmp_path):
    """Backed up, once failed (the destination briefly a regular file), verified, drilled."""
    services.run_backup(sqlite_backup_target)
    good_path = local_destination.path
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    Destination.objects.filter(pk=local_destination.pk).update(path=str(blocker))
    with pytest.raises(services.BackupFailed):
        services.run_backup(sqlite_backup_target)
    Destination.objects.filter(pk=local_destination.pk).update(path=good_path)
    services.verify_backup(services.run_backup(sqlite_backup_target))
    services.run_drill(sqlite_backup_target)
    return sqlite_backup_target


def open_target(page, base, target):
    page.goto(f"{base}/targets/target/{target.pk}/change/")
    page.wait_for_load_state("networkidle")


def test_target_page_shows_the_backup_timeline_and_panel(
    live_server, browser_page, olga, target_with_history, tmp_path
):
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    open_target(browser_page, live_server.url, target_with_history)

    panel = browser_page.locator("[data-testid=backup-panel]")
    assert panel.is_visible()
    canvas = browser_page.locator("[data-testid=backup-timeline] canvas")
    assert canvas.is_visible() and canvas.bounding_box()["height"] > 100
    bars = browser_page.evaluate(
        "() => Chart.getChart(document.querySelector('[data-testid=backup-timeline] canvas'))"
        ".data.datasets[0].data.length"
    )
    assert bars == 3
    assert "Passed" in browser_page.locator("[data-testid=backup-last-drill]").inner_text()
    # The documentation's picture is refreshed on request only, so a test run leaves the
    # working tree as it found it.
    if os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        browser_page.screenshot(path=str(SCREENSHOT))
    browser_page.screenshot(path=str(tmp_path / "backups-target-en.png"))

    accounts.set_language(olga, "zh-hans")
    open_target(browser_page, live_server.url, target_with_history)
    assert browser_page.locator("[data-testid=backup-timeline] canvas").is_visible()
    assert "仪表盘" in browser_page.inner_text("body")
    browser_page.screenshot(path=str(tmp_path / "backups-target-zh.png"))


def test_back_up_now_from_the_panel_opens_a_dialog_then_the_job(
    live_server, browser_page, olga, sqlite_backup_target
):
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    open_target(browser_page, live_server.url, sqlite_backup_target)

    browser_page.locator("[data-testid=backup-button]", has_text="Back up now").click()
    dialog = browser_page.locator("#modal-content #dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("select[name=target]").input_value() == str(sqlite_backup_target.pk)
    dialog.locator("button[type=submit]").click()
    browser_page.wait_for_url("**/core/job/*/change/")

    job = Job.objects.get(kind="backup.run")
    assert browser_page.url.endswith(f"/core/job/{job.pk}/change/")
