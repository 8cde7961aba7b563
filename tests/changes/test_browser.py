"""A change through approval, a window, a real safety backup of a Tryton SQLite ERP and its
review, in a real browser (Debian's headless Chromium): olga implements, mark approves."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.utils import timezone

from erpkeeper.changes.models import ChangeRequest, ChangeState, SafetyBackup
from erpkeeper.core.jobs import run_job
from erpkeeper.core.models import Job
from erpkeeper.targets import services as targets
from tests.changes.conftest import WINDOW, new_change, window_opening
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "changes-workflow.png"


def open_change(page, base, change):
    page.goto(f"{base}/changes/changerequest/{change.pk}/change/")
    page.wait_for_load_state("networkidle")


def click(page, testid):
    page.locator(f"[data-testid={testid}]").click()
    page.wait_for_load_state("networkidle")


def test_a_change_goes_through_approval_a_window_a_safety_backup_and_a_review(
    live_server, browser_page, olga, mark, sqlite_backup_target, tmp_path
):
    targets.update_target(sqlite_backup_target, windows=[WINDOW])
    change = new_change(olga, [sqlite_backup_target], checklist=["Announce the downtime"])
    page, base = browser_page, live_server.url

    sign_in(page, base, "olga", PERSONA_PASSWORD)
    open_change(page, base, change)
    click(page, "step-submit")
    page.context.clear_cookies()

    sign_in(page, base, "mark", PERSONA_PASSWORD)
    open_change(page, base, change)
    page.locator("[data-testid=decision-comment]").fill("Fine for the weekend window")
    click(page, "step-approve")
    assert "Approved" in page.locator("[data-testid=change-workflow]").inner_text()
    page.context.clear_cookies()

    sign_in(page, base, "olga", PERSONA_PASSWORD)
    open_change(page, base, change)
    opens = timezone.localtime(window_opening())
    page.locator("[data-testid=planned-start]").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    ends = opens + dt.timedelta(hours=2)
    page.locator("[data-testid=planned-end]").fill(ends.strftime("%Y-%m-%dT%H:%M"))
    click(page, "step-schedule")
    click(page, "step-safety-backup")
    job = SafetyBackup.objects.get(change=change).job
    assert run_job(job.pk, heartbeat=False).status == Job.Status.SUCCEEDED
    open_change(page, base, change)
    assert "succeeded" in page.locator("[data-testid=safety-backup]").inner_text().lower()

    click(page, "step-start")
    click(page, "tick-1")
    page.locator("[data-testid=implementation-notes]").fill("Module activated in 12 minutes")
    click(page, "step-complete")
    page.locator("[data-testid=review-lessons]").fill("Announce a day earlier")
    click(page, "step-review")

    change = ChangeRequest.objects.get(pk=change.pk)
    assert change.state == ChangeState.REVIEWED
    assert change.planned_start == opens and change.outcome == "implemented"
    assert change.checklist.get().done_by == olga
    assert change.review_lessons == "Announce a day earlier"
    if os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    page.screenshot(path=str(tmp_path / "changes-workflow.png"), full_page=True)
