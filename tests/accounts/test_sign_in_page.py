"""The sign-in page and the console's shell speak about ERPKeeper, not Django's admin site."""

import pytest
from django.test import Client

from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_wrong_password_gets_an_erpkeeper_message_not_a_staff_account_one(victor):
    response = Client().post("/login/", {"username": "victor", "password": "not the password"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Wrong user name or password. Both are case-sensitive." in page
    assert "staff account" not in page


def test_the_sign_in_page_has_no_return_to_site_link():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert "Return to site" not in response.content.decode()


def test_the_signed_out_page_has_no_return_to_site_link(victor):
    client = Client()
    assert (
        client.post("/login/", {"username": "victor", "password": PERSONA_PASSWORD}).status_code
        == 302
    )
    response = client.post("/logout/")
    assert response.status_code == 200
    assert "Return to site" not in response.content.decode()


def test_console_pages_have_no_view_site_link(console_client_for, alice):
    response = console_client_for(alice).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "View site" not in page
    assert "Log out" in page  # the account menu is there, only without the link
