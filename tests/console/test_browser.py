"""The console in a real browser (Debian's headless Chromium), as a person sees it."""

from erpkeeper.accounts import services as accounts
from erpkeeper.targets import services as targets
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS


def test_ops_engineer_sees_the_erp_card_and_its_facts(
    live_server, browser_page, olga, tryton_sqlite_db
):
    targets.add_target(name="erp-demo", database_url=tryton_sqlite_db)
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    card = browser_page.locator("[data-testid=target-card]")
    assert card.count() == 1
    text = card.inner_text()
    assert "erp-demo" in text and "Tryton 8.2" in text and "Reachable" in text
    card.click()
    browser_page.wait_for_load_state("networkidle")
    assert "Active modules" in browser_page.content()


def test_a_chinese_speaking_user_gets_the_console_in_chinese(live_server, browser_page, olga):
    accounts.set_language(olga, "zh-hans")
    sign_in(browser_page, live_server.url, "olga", PERSONA_PASSWORD)
    body = browser_page.inner_text("body")
    assert "仪表盘" in body
    assert "Dashboard" not in body
