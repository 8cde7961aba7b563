"""Per-user language: chosen once, used in the console and the API, whatever the browser says."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path

from erpkeeper.accounts import services
from erpkeeper.urls import urlpatterns as project_urlpatterns
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

# The project's URLs with /i18n/ served by the accounts app, as docs/accounts.md asks
# erpkeeper/urls.py to do. Tests that switch language use it through @pytest.mark.urls.
urlpatterns = [path("i18n/", include("erpkeeper.accounts.urls")), *project_urlpatterns]
WITH_ACCOUNTS_SETLANG = pytest.mark.urls(__name__)

PAGE = "/accounts/apitoken/"  # any console page: its header has Django's "Log out" link


def test_a_chinese_user_sees_the_console_in_chinese(console_client_for, victor):
    services.set_language(victor, "zh-hans")
    response = console_client_for(victor).get(PAGE)
    page = response.content.decode()
    assert "注销" in page  # Django 5.2's zh_Hans admin catalog for "Log out"
    assert 'lang="zh-hans"' in page
    assert response["Content-Language"] == "zh-hans"


def test_the_users_choice_wins_over_the_browser(console_client_for, victor):
    services.set_language(victor, "en")
    page = console_client_for(victor).get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "Log out" in page
    assert "注销" not in page


def test_without_a_choice_the_browser_decides(console_client_for, victor):
    page = console_client_for(victor).get(PAGE, HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "注销" in page


@WITH_ACCOUNTS_SETLANG
def test_switching_language_in_the_console_is_saved_to_the_profile(console_client_for, victor):
    client = console_client_for(victor)
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": PAGE})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    victor.profile.refresh_from_db()
    assert victor.profile.language == "zh-hans"
    # ... and follows the user to another browser
    assert "注销" in console_client_for(victor).get(PAGE).content.decode()


@WITH_ACCOUNTS_SETLANG
def test_switching_language_signed_out_only_sets_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"


@WITH_ACCOUNTS_SETLANG
def test_an_unknown_language_is_ignored(console_client_for, victor):
    console_client_for(victor).post("/i18n/setlang/", {"language": "xx", "next": PAGE})
    victor.profile.refresh_from_db()
    assert victor.profile.language == ""


def test_signing_in_sets_the_language_cookie_for_pages_after_sign_out(victor):
    services.set_language(victor, "zh-hans")
    client = Client()
    response = client.post(
        "/login/?next=/", {"username": "victor", "password": PERSONA_PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    client.post("/logout/")
    assert "登录" in client.get("/login/").content.decode()  # "Log in"


def test_every_new_user_gets_a_profile():
    user, _ = services.create_user("zoe", "", "viewer", language="zh-hans")
    assert user.profile.language == "zh-hans"
    from django.contrib.auth import get_user_model

    bare = get_user_model().objects.create_user("bare")
    assert bare.profile.language == ""


def test_me_reports_and_patches_the_language(api_client_for, victor):
    client = api_client_for(victor)
    assert client.get("/api/v1/me/").json()["language"] == ""
    response = client.patch("/api/v1/me/", {"language": "zh-hans"}, format="json")
    assert response.status_code == 200
    assert response.json()["language"] == "zh-hans"
    assert response.json()["roles"] == [{"name": "Viewer", "label": "Viewer"}]
    victor.profile.refresh_from_db()
    assert victor.profile.language == "zh-hans"
    assert client.patch("/api/v1/me/", {"language": "fr"}, format="json").status_code == 400


def test_api_token_users_get_answers_in_their_language(api_client_for, victor):
    services.set_language(victor, "zh-hans")
    response = api_client_for(victor).post("/api/v1/tokens/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == ["该字段是必填项。"]  # DRF's "This field is required."


def test_an_api_request_that_sends_accept_language_gets_that_language(api_client_for, victor):
    services.set_language(victor, "zh-hans")
    client = api_client_for(victor)
    response = client.post("/api/v1/tokens/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["name"] == ["This field is required."]
    assert response["Content-Language"] == "en"


def test_an_api_request_in_an_unsupported_language_gets_the_owners(api_client_for, victor):
    services.set_language(victor, "zh-hans")
    client = api_client_for(victor)
    response = client.post("/api/v1/tokens/", {}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["name"] == ["该字段是必填项。"]


def test_a_token_user_without_a_language_follows_accept_language(api_client_for, victor):
    client = api_client_for(victor)
    response = client.post("/api/v1/tokens/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    assert response.json()["name"] == ["该字段是必填项。"]
