"""The knowledge base in a real browser (Debian's headless Chromium): a portal user types a
ticket's subject, sees a suggested article, reads it and says it helped; then searches help in
English and sees the matching word highlighted."""

from __future__ import annotations

from erpkeeper.knowledge.models import SuggestionRead
from tests.fixtures.browser import BROWSER_MARKS
from tests.knowledge.conftest import publish
from tests.servicedesk.test_portal_browser import portal_sign_in

pytestmark = BROWSER_MARKS


def test_a_portal_user_typing_a_subject_sees_and_reads_a_suggested_article(
    live_server, browser_page, paula, helen, tmp_path
):
    article = publish(
        "如何作废一张增值税发票",
        "在 Tryton 中打开客户发票，点击“取消”。已认证的发票不能作废。",
        language="zh-hans",
        owner=helen,
    )
    publish("Posting supplier invoices", "Open the draft invoices and click Post.", owner=helen)
    page, base = browser_page, live_server.url
    portal_sign_in(page, base, "paula")

    page.goto(base + "/portal/tickets/new/")
    page.type("input[name=subject]", "发票作废", delay=30)
    suggestion = page.locator("#suggestions a", has_text="如何作废一张增值税发票")
    suggestion.wait_for(state="visible", timeout=10_000)
    page.screenshot(path=str(tmp_path / "suggestion.png"), full_page=True)

    with page.context.expect_page() as opened:
        suggestion.click()
    reader = opened.value
    reader.wait_for_load_state("networkidle")
    assert "已认证的发票不能作废" in reader.inner_text("article")
    reader.check("input[name=helpful][value=yes]")
    reader.click("#vote-form button[type=submit]")
    reader.wait_for_load_state("networkidle")

    article.refresh_from_db()
    assert article.helpful_yes == 1
    assert SuggestionRead.objects.filter(article=article, user=paula).count() == 1

    page.goto(base + "/portal/help/?q=invoice")
    assert page.locator("[data-testid=search-results] mark").first.inner_text() == "invoices"
