"""The console in a real browser (Debian's headless Chromium), as a person sees it."""

import os
import shutil

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.targets import services as targets
from tests.fixtures.personas import PERSONA_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)),
        reason=f"headless Chromium not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture
def browser_page(monkeypatch):
    playwright = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls are
    # still synchronous, so Django's async guard does not apply.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def sign_in(page, base, username, password):
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


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
