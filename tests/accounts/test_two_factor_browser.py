"""Two-factor authentication in a real browser (Debian's headless Chromium), in English and
Chinese: enrol from the QR code page by typing the key, keep the recovery codes, sign in again
with a code from the app, and have the browser remembered."""

import os
from pathlib import Path

from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts import services as accounts
from tests.fixtures.browser import BROWSER_MARKS, sign_in
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.fixtures.two_factor import code_for_key, totp_code

pytestmark = BROWSER_MARKS

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "img"
# The pictures docs/accounts.md shows (the others are for the reviewer only).
DOC_IMAGES = {"two-factor-setup-en", "sign-in-history-en"}


def password_step(page, base, username="alice"):
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PERSONA_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def shoot(page, directory, name):
    """A picture for the reviewer (tmp) and, on request, for the documentation."""
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    if name in DOC_IMAGES and os.environ.get("ERPKEEPER_UPDATE_SCREENSHOTS"):
        page.screenshot(path=str(IMAGES / f"{name}.png"), full_page=True)


def enrol(page, directory, suffix):
    assert "/account/two-factor/setup/" in page.url
    assert page.locator("#two-factor-qr svg").is_visible()
    page.click("summary")  # "Cannot scan? Type the key instead"
    key = page.inner_text("#two-factor-key")
    shoot(page, directory, f"two-factor-setup-{suffix}")
    page.fill("input[name=code]", code_for_key(key))
    page.click("#two-factor-setup-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    shoot(page, directory, f"two-factor-recovery-codes-{suffix}")
    page.click("[data-testid=recovery-codes-stored]")
    page.wait_for_load_state("networkidle")


def code_step(page, directory, suffix, remember=False):
    assert "/account/two-factor/verify/" in page.url
    shoot(page, directory, f"two-factor-verify-{suffix}")
    device = TOTPDevice.objects.get(user__username="alice", confirmed=True)
    page.fill("input[name=code]", totp_code(device))
    if remember:
        page.check("input[name=remember]")
    page.click("#two-factor-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_enrol_and_sign_in_with_two_factor_in_english(live_server, browser_page, alice, tmp_path):
    page, base = browser_page, live_server.url
    password_step(page, base)
    assert "Set up two-factor authentication" in page.inner_text("body")
    enrol(page, tmp_path, "en")
    assert page.url.rstrip("/") == base  # the dashboard, at last
    assert "Dashboard" in page.inner_text("body")

    page.context.clear_cookies()
    password_step(page, base)
    code_step(page, tmp_path, "en", remember=True)
    assert page.url.rstrip("/") == base
    cookie = next(c for c in page.context.cookies() if c["name"].startswith("erpkeeper_2fa_"))
    assert cookie["httpOnly"]

    # Signed out and in again: the remembered browser skips the code.
    session = [c for c in page.context.cookies() if c["name"] == "sessionid"]
    page.context.clear_cookies(name=session[0]["name"])
    password_step(page, base)
    assert page.url.rstrip("/") == base


def test_enrol_and_sign_in_with_two_factor_in_chinese(live_server, browser_page, alice, tmp_path):
    accounts.set_language(alice, "zh-hans")
    page, base = browser_page, live_server.url
    password_step(page, base)
    assert page.get_attribute("html", "lang") == "zh-hans"
    enrol(page, tmp_path, "zh-hans")
    assert "仪表盘" in page.inner_text("body")

    page.context.clear_cookies()
    password_step(page, base)
    assert page.get_attribute("html", "lang") == "zh-hans"
    code_step(page, tmp_path, "zh-hans")
    assert "仪表盘" in page.inner_text("body")
    # The account page, reached from the user menu, shows the state and this sign-in.
    page.goto(base + "/account/two-factor/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#sign-in-history tbody tr").count() >= 3
    shoot(page, tmp_path, "two-factor-account-zh-hans")


def test_an_administrator_reads_sign_ins_and_resets_a_user_s_two_factor(
    live_server, browser_page, alice, sam, tmp_path
):
    page, base = browser_page, live_server.url
    enrolled_sam = TOTPDevice.objects.create(user=sam, name="Authenticator app", confirmed=True)
    sign_in(page, base, "sam", PERSONA_PASSWORD)  # through the code step
    page.context.clear_cookies()
    sign_in(page, base, "alice", PERSONA_PASSWORD)  # enrols alice on the way
    page.goto(f"{base}/accounts/loginrecord/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list tbody tr").count() == 3  # sam: password, code; alice
    shoot(page, tmp_path, "sign-in-history-en")

    page.goto(f"{base}/auth/user/{sam.pk}/change/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#sign-in-history").is_visible()
    shoot(page, tmp_path, "user-two-factor-en")
    page.goto(f"{base}/auth/user/{sam.pk}/reset_two_factor_detail/")
    page.click("form button[type=submit]:has-text('Reset')")
    page.wait_for_load_state("networkidle")
    assert "has been reset" in page.inner_text("body")
    assert not TOTPDevice.objects.filter(pk=enrolled_sam.pk).exists()
