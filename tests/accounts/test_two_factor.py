"""Two-factor authentication in the console: enrolment with a real authenticator code, the code
step after the password, recovery codes, remembered browsers, and the role that requires it."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import signing
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts import services
from erpkeeper.accounts.models import LoginRecord
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.fixtures.two_factor import code_for_key, enrolled, totp_code

pytestmark = pytest.mark.django_db

SETUP = "/account/two-factor/setup/"
VERIFY = "/account/two-factor/verify/"


def sign_in(client, user, password=PERSONA_PASSWORD, **extra):
    """The password step through the sign-in page; True when it was accepted."""
    response = client.post("/login/", {"username": user.username, "password": password}, **extra)
    return response.status_code == 302


def enter_code(client, code, remember=False, **extra):
    data = {"code": code, "next": "/"}
    if remember:
        data["remember"] = "on"
    return client.post(VERIFY, data, **extra)


def enrol_through_the_pages(client):
    """Open the set-up page, read the key it shows, type the app's code: the recovery codes."""
    page = client.get(SETUP).content.decode()
    key = re.search(r'id="two-factor-key"[^>]*>([A-Z2-7 ]+)<', page).group(1)
    response = client.post(SETUP, {"code": code_for_key(key), "next": "/"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4})</li>", response.content.decode())


# --- enrolment -------------------------------------------------------------------------------


def test_an_administrator_enrols_with_a_qr_code_then_signs_in_with_the_app(alice):
    client = Client()
    assert sign_in(client, alice)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == SETUP + "?next=%2F"
    page = client.get(SETUP)
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert "<svg" in page.content.decode()  # the QR code, drawn without an image library

    codes = enrol_through_the_pages(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200  # the console opens once it is done
    assert services.two_factor_state(alice).enabled

    client.post("/logout/")
    assert sign_in(client, alice)
    response = client.get("/admin-does-not-matter/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    response = enter_code(client, totp_code(TOTPDevice.objects.get(user=alice)))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    steps = list(
        LoginRecord.objects.filter(user=alice, success=True).values_list("method", flat=True)
    )
    assert steps[:2] == [LoginRecord.Method.TOTP, LoginRecord.Method.PASSWORD]


def test_a_wrong_enrolment_code_keeps_the_set_up_open(alice):
    client = Client()
    assert sign_in(client, alice)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not services.has_two_factor(alice)
    assert client.get("/").status_code == 302


def test_the_set_up_page_keeps_its_key_until_confirmed(alice):
    client = Client()
    assert sign_in(client, alice)
    first = client.get(SETUP).content.decode()
    second = client.get(SETUP).content.decode()
    key = re.compile(r'id="two-factor-key"[^>]*>([A-Z2-7 ]+)<')
    assert key.search(first).group(1) == key.search(second).group(1)


def test_a_role_that_requires_it_reaches_nothing_before_enrolling(sam):
    client = Client()
    assert sign_in(client, sam)
    for path in ["/", "/auth/user/", "/core/auditentry/", "/account/two-factor/", VERIFY]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SETUP), path
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["error"] == "two_factor_setup_required"
    posted = client.post("/api/v1/tokens/", {"name": "x"}, content_type="application/json")
    assert posted.status_code == 403
    assert client.post("/logout/").status_code in (200, 302)


def test_a_role_without_the_requirement_signs_in_with_the_password_alone(olga):
    client = Client()
    assert sign_in(client, olga)
    assert client.get("/").status_code == 200


def test_a_one_time_password_is_replaced_before_enrolment(db):
    user, password = services.create_user("nadia", role="Administrator")
    client = Client()
    assert sign_in(client, user, password)
    assert client.get("/")["Location"] == "/password_change/"
    assert client.get(SETUP)["Location"] == "/password_change/"


# --- the code step ---------------------------------------------------------------------------


def test_a_session_that_has_not_entered_the_code_gets_403_from_the_api(alice, api_client_for):
    enrolled(alice)
    client = Client()
    assert sign_in(client, alice)
    response = client.get("/api/v1/me/")
    assert response.status_code == 403 and response.json()["error"] == "two_factor_required"
    # API tokens are the API's second factor: unchanged.
    assert api_client_for(alice).get("/api/v1/me/").status_code == 200
    enter_code(client, totp_code(enrolled(alice)))
    me = client.get("/api/v1/me/").json()
    assert me["two_factor"]["enabled"] and me["two_factor"]["required"]


def test_wrong_codes_are_refused_recorded_and_lock_the_account_out(alice):
    enrolled(alice)
    client = Client()
    assert sign_in(client, alice)
    for _attempt in range(4):
        response = enter_code(client, "123456")
        assert response.status_code == 200
        assert "two-factor-form" in response.content.decode()
    response = enter_code(client, "654321")
    assert response.status_code == 429  # the fifth: django-axes' lockout, as for passwords
    assert AccessAttempt.objects.filter(username="alice").get().failures_since_start == 5
    failed = LoginRecord.objects.filter(user=alice, success=False, method=LoginRecord.Method.TOTP)
    assert failed.count() == 5
    # Signed out: even the right code needs the password again, which the lock refuses.
    assert client.get("/")["Location"].startswith("/login/")
    assert not sign_in(client, alice)


def test_a_recovery_code_works_once(alice):
    enrolled(alice)
    codes = services.regenerate_recovery_codes(alice)
    client = Client()
    assert sign_in(client, alice)
    response = enter_code(client, codes[0].upper().replace("-", " "))  # as typed from paper
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    assert LoginRecord.objects.filter(method=LoginRecord.Method.RECOVERY_CODE, success=True)

    second = Client()
    assert sign_in(second, alice)
    response = enter_code(second, codes[0])
    assert response.status_code == 200 and "not correct" in response.content.decode()
    assert second.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_ones(alice, console_client_for):
    client = console_client_for(alice)
    old = services.regenerate_recovery_codes(alice)
    response = client.post("/account/two-factor/recovery-codes/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4})</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    tokens = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert tokens == {code.replace("-", "") for code in new}


# --- remembered browsers ---------------------------------------------------------------------


def remembered_client(user):
    client = Client()
    assert sign_in(client, user)
    response = enter_code(client, totp_code(enrolled(user)), remember=True)
    cookie = response.cookies[f"erpkeeper_2fa_{user.pk}"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    client.post("/logout/")
    return client


def passes_without_code(client, user) -> bool:
    assert sign_in(client, user)
    response = client.get(VERIFY + "?next=/")
    return response.status_code == 302 and response["Location"] == "/"


def test_a_remembered_browser_skips_the_code(alice):
    client = remembered_client(alice)
    assert passes_without_code(client, alice)
    assert client.get("/").status_code == 200
    assert LoginRecord.objects.filter(user=alice, method=LoginRecord.Method.REMEMBERED).exists()
    # Another browser is asked.
    assert not passes_without_code(Client(), alice)


def test_a_remembered_browser_is_asked_again_after_the_days(alice, monkeypatch):
    client = remembered_client(alice)
    later = signing.time.time() + 31 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert not passes_without_code(client, alice)


def test_a_password_change_forgets_remembered_browsers(alice):
    client = remembered_client(alice)
    services.set_password(alice, "a brand new passphrase 2027")
    assert not passes_without_code_with(client, alice, "a brand new passphrase 2027")


def passes_without_code_with(client, user, password) -> bool:
    assert sign_in(client, user, password)
    response = client.get(VERIFY + "?next=/")
    return response.status_code == 302 and response["Location"] == "/"


def test_a_reset_forgets_remembered_browsers(alice):
    client = remembered_client(alice)
    services.reset_two_factor(alice)
    enrolled(alice)  # a new phone
    assert not passes_without_code(client, alice)


def test_forgetting_all_browsers_asks_every_remembered_browser_again(alice, console_client_for):
    laptop, phone = remembered_client(alice), remembered_client(alice)
    page = console_client_for(alice)
    assert "Forget all remembered browsers" in page.get("/account/two-factor/").content.decode()
    response = page.post("/account/two-factor/forget-browsers/")
    assert response.status_code == 302
    assert not passes_without_code(laptop, alice)
    assert not passes_without_code(phone, alice)
    assert "Browsers forgotten" in page.get("/account/two-factor/").content.decode()
    # Remembering works again for the browsers remembered afterwards.
    assert passes_without_code(remembered_client(alice), alice)


def test_forgetting_browsers_needs_a_post(alice, console_client_for):
    client = remembered_client(alice)
    assert console_client_for(alice).get("/account/two-factor/forget-browsers/").status_code == 405
    assert passes_without_code(client, alice)


def test_remembering_can_be_turned_off(alice, settings):
    settings.TWO_FACTOR_REMEMBER_DAYS = 0
    client = Client()
    assert sign_in(client, alice)
    enrolled(alice)
    page = client.get(VERIFY).content.decode()
    assert 'name="remember"' not in page
    response = enter_code(client, totp_code(enrolled(alice)), remember=True)
    assert f"erpkeeper_2fa_{alice.pk}" not in response.cookies


# --- the user's own page ---------------------------------------------------------------------


def test_the_account_page_shows_the_state_and_recent_sign_ins(alice, console_client_for):
    client = console_client_for(alice)
    sign_in(Client(), alice, "wrong password!")
    page = client.get("/account/two-factor/").content.decode()
    assert "Two-factor authentication is on." in page and "Your role requires it." in page
    assert 'id="sign-in-history"' in page and "failed" in page
    assert "Turn off" not in page  # required by the role


def test_a_user_may_turn_on_and_off_what_their_role_does_not_require(olga):
    client = Client()
    assert sign_in(client, olga)
    page = client.get("/account/two-factor/").content.decode()
    assert "Two-factor authentication is off." in page
    codes = enrol_through_the_pages(client)
    assert len(codes) == 10
    assert client.get("/").status_code == 200  # this session entered a code while enrolling
    response = client.post("/account/two-factor/disable/")
    assert response.status_code == 302
    assert not services.has_two_factor(olga)
    assert not StaticToken.objects.filter(device__user=olga).exists()


def test_a_required_role_cannot_turn_it_off(alice, console_client_for):
    client = console_client_for(alice)
    client.post("/account/two-factor/disable/")
    assert services.has_two_factor(alice)


def test_a_new_authenticator_replaces_the_old_one_once_confirmed(alice, console_client_for):
    client = console_client_for(alice)
    old = enrolled(alice)
    page = client.get(SETUP).content.decode()
    assert "replaces the current one" in page
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()  # until confirmed
    enrol_through_the_pages(client)
    devices = TOTPDevice.objects.filter(user=alice)
    assert devices.count() == 1 and devices.get().pk != old.pk and devices.get().confirmed
    assert client.get("/").status_code == 200


def test_the_user_menu_links_to_the_account_page(olga, console_client_for):
    page = console_client_for(olga).get("/").content.decode()
    assert 'href="/account/two-factor/"' in page
    assert 'href="/password_change/"' in page
