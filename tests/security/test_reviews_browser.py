"""An access review in a real browser (Debian's headless Chromium): the reviewer revokes one
membership with a comment and keeps the rest at once on "My reviews"; the ERP's administrator
carries the revocation out; the next snapshot verifies it, and the campaign's page shows it.
Pictures (en and zh-Hans) go to the test's folder, and to docs/img on request
(ERPKEEPER_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils import timezone

from erpkeeper.accounts import services as accounts
from erpkeeper.security import services
from erpkeeper.security.models import Campaign, Decision, RemediationState
from erpkeeper.targets.services import add_target
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.security.helpers import user_id, write

pytestmark = BROWSER_MARKS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
DOC_IMAGES = {
    "access-review-my-reviews-en",
    "access-review-my-reviews-zh-hans",
    "access-review-campaign-en",
}


def shoot(page, directory, name):
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    if name in DOC_IMAGES and os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=True)


def open_my_reviews(page, base):
    page.goto(f"{base}/security/campaign/my-reviews/")
    page.wait_for_load_state("networkidle")


def test_the_reviewer_decides_on_my_reviews_and_the_next_snapshot_verifies(
    live_server, browser_page, personas, tryton_sqlite_db, tmp_path
):
    shop = add_target(name="shop", database_url=tryton_sqlite_db)
    services.take_snapshot(shop)
    mark = personas["mark"]
    campaign = services.save_campaign(
        Campaign(
            name="Q4 stock and purchasing",
            scope_groups=["Stock"],
            scope_roles=["Buyer"],
            default_reviewer=mark,
            owner=personas["sam"],
            deadline=timezone.localdate(),
        ),
        [shop],
    )
    services.launch_campaign(campaign)
    page = browser_page
    sign_in(page, live_server.url, "mark", PERSONA_PASSWORD)
    open_my_reviews(page, live_server.url)
    shoot(page, tmp_path, "access-review-my-reviews-en")
    accounts.set_language(mark, "zh-hans")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shoot(page, tmp_path, "access-review-my-reviews-zh-hans")

    row = page.locator("[data-testid=pending-items] tr[data-login='xu.jing']")
    row.locator("input[value=revoke]").check()
    row.locator("input[type=text]").fill("Moved to sales in November")
    row.locator("button[name=decide]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=pending-items] tr[data-login='xu.jing']").count() == 0
    for box in page.locator("[data-testid=pending-items] input[name=selected]").all():
        box.check()
    page.locator("[data-testid=bulk-keep]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=nothing-pending]").is_visible()
    xu = campaign.items.get(login="xu.jing")
    assert xu.decision == Decision.REVOKE and xu.comment == "Moved to sales in November"
    assert not campaign.items.filter(decision=Decision.PENDING).exists()

    # The ERP's administrator removes the group in Tryton; the next snapshot verifies it.
    write(
        tryton_sqlite_db,
        (
            'DELETE FROM "res_user-res_group" WHERE "user" = ? AND "group" = '
            "(SELECT id FROM res_group WHERE name = 'Stock')",
            (user_id(tryton_sqlite_db, "xu.jing"),),
        ),
    )
    services.take_snapshot(shop)
    assert campaign.requests.get().state == RemediationState.CARRIED_OUT

    page.context.clear_cookies()  # mark signs out; the auditor follows the campaign
    sign_in(page, live_server.url, "sam", PERSONA_PASSWORD)
    page.goto(f"{live_server.url}/security/campaign/{campaign.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=review-requests] tr[data-state=carried_out]").count() == 1
    assert "100%" in page.locator("[data-testid=review-progress]").inner_text()
    shoot(page, tmp_path, "access-review-campaign-en")

    accounts.set_language(personas["sam"], "zh-hans")
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    shoot(page, tmp_path, "access-review-campaign-zh-hans")
