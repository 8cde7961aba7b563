"""The portal in a real browser (Debian's headless Chromium), in English and in Chinese: a
portal user opens a ticket, finds it in their list, an agent answers (through the service) and
resolves it, and the user rates it. Pictures go to the test's folder, and to docs/img on
request (ERPKEEPER_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from erpkeeper.accounts import services as accounts
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk import services
from erpkeeper.servicedesk.models import Ticket, TicketStatus
from tests.fixtures.browser import BROWSER_MARKS
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = BROWSER_MARKS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
DOC_IMAGES = {"portal-ticket-en", "portal-tickets-zh-hans", "portal-tickets-phone-en"}


def shoot(page, directory, name):
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    if name in DOC_IMAGES and os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=True)


def portal_sign_in(page, base, username):
    page.goto(base + "/portal/")
    assert "/portal/login/" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PERSONA_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        # Texts the catalogs already hold (the portal's own are translated with `make messages`).
        ("en", {"sign_out": "Sign out", "resolved": "Resolved"}),
        ("zh-hans", {"sign_out": "退出登录", "resolved": "已解决"}),
    ],
)
def test_a_portal_user_opens_follows_and_rates_a_ticket(
    live_server, browser_page, desk, shop, helen, smtp, tmp_path, language, texts
):
    user, _generated = accounts.create_user(
        "paula", "paula@erp-users.example.com", Role.PORTAL_USER, password=PERSONA_PASSWORD
    )
    accounts.set_language(user, language)
    page, base = browser_page, live_server.url
    portal_sign_in(page, base, "paula")
    assert page.url == base + "/portal/"

    page.click("#open-ticket")
    page.fill("input[name=subject]", "Cannot post the supplier invoice")
    page.select_option("select[name=category]", "error")
    page.fill("input[name=erp_module]", "account")
    page.select_option("select[name=target]", label="shop")
    page.select_option("select[name=impact]", "medium")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=body]", "Posting INV-42 says the period is closed.")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "error.txt", "mimeType": "text/plain", "buffer": b"period closed"}],
    )
    shoot(page, tmp_path, f"portal-new-ticket-{language}")
    page.click("#ticket-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    ticket = Ticket.objects.get(requester=user)
    assert ticket.priority == "p2"
    assert page.url.endswith(f"/portal/tickets/{ticket.number}/")
    assert "error.txt" in page.inner_text("#conversation")
    services.send_pending()  # what the desk's loop does every 30 s
    (mailed,) = smtp.messages
    assert mailed["to"] == ["paula@erp-users.example.com"]
    assert ticket.number in mailed["message"]["Subject"]

    page.click("header nav a >> nth=0")  # My tickets
    page.wait_for_load_state("networkidle")
    assert ticket.number in page.inner_text("#my-tickets")
    shoot(page, tmp_path, f"portal-tickets-{language}")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the table becomes cards
    assert page.locator("#my-tickets thead").is_hidden()
    shoot(page, tmp_path, f"portal-tickets-phone-{language}")
    page.set_viewport_size({"width": 1440, "height": 1000})

    services.reply(ticket, "The period is open again; please try once more.", author=helen)
    services.send_pending()
    answer = smtp.messages[-1]["message"]
    assert "The period is open again" in answer.get_body(("plain",)).get_content()
    ticket.refresh_from_db()
    assert ticket.first_response_at <= ticket.first_response_due  # answered inside the SLA
    services.change_status(Ticket.objects.get(pk=ticket.pk), TicketStatus.RESOLVED)

    page.click(f"#my-tickets a[href$='/{ticket.number}/']")
    page.wait_for_load_state("networkidle")
    assert "The period is open again" in page.inner_text("#conversation")
    page.check("#rating-form input[name=rating][value='5']")
    page.fill("#rating-form textarea[name=comment]", "Fast")
    page.click("#rating-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert texts["resolved"] in page.inner_text("#ticket-status")
    assert texts["sign_out"] in page.inner_text("header")
    assert page.locator("html").get_attribute("lang") == language
    shoot(page, tmp_path, f"portal-ticket-{language}")
    ticket.refresh_from_db()
    assert (ticket.csat_rating, ticket.csat_comment) == (5, "Fast")
