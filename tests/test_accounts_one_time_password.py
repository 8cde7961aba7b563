"""A generated password is for one sign-in: the console asks for a new one until it is set."""

import pytest

from erpkeeper.accounts import services
from erpkeeper.accounts.roles import Role

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    response = client.post("/login/", {"username": username, "password": password})
    return response.status_code == 302


def test_generated_password_sends_the_user_to_choose_their_own(client):
    user, password = services.create_user("admin", role=Role.ADMINISTRATOR)
    assert password and user.check_password(password)
    assert sign_in(client, "admin", password)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/password_change/"
    new = "correct horse battery staple 42"
    response = client.post(
        "/password_change/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(new) and not user.profile.must_change_password


def test_a_chosen_password_is_not_questioned(client):
    services.create_user("olga", role=Role.OPS_ENGINEER, password="a long enough passphrase")
    assert sign_in(client, "olga", "a long enough passphrase")
    assert client.get("/").status_code == 200
