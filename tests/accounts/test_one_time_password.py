"""A generated password is for one sign-in: the console asks for a new one until it is set."""

import io

import pytest

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken
from erpkeeper.accounts.roles import Role
from erpkeeper.cli import EXIT_USAGE, main

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
    # Then an Administrator sets up two-factor authentication (test_two_factor.py).
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/setup/")
    user.refresh_from_db()
    assert user.check_password(new) and not user.profile.must_change_password


def test_a_chosen_password_is_not_questioned(client):
    services.create_user("olga", role=Role.OPS_ENGINEER, password="a long enough passphrase")
    assert sign_in(client, "olga", "a long enough passphrase")
    assert client.get("/").status_code == 200


# --- the one-time password cannot be kept ----------------------------------------------------

ONE_TIME_REFUSED = "The new password must differ from the current one."


def one_time_user(client=None):
    """A user as ``erpkeeper user create`` leaves them, signed in with the printed password."""
    user, password = services.create_user("nina", role=Role.OPS_ENGINEER)
    if client is not None:
        assert sign_in(client, "nina", password)
    return user, password


def test_the_console_refuses_the_one_time_password_as_the_new_one(client):
    user, password = one_time_user(client)
    response = client.post(
        "/password_change/",
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert ONE_TIME_REFUSED in response.content.decode()
    user.refresh_from_db()
    assert user.profile.must_change_password
    assert client.get("/").status_code == 302


def test_the_api_refuses_the_one_time_password_as_the_new_one(client):
    user, password = one_time_user(client)
    response = client.post(
        "/api/v1/me/password/",
        {"current_password": password, "new_password": password},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"new_password": [ONE_TIME_REFUSED]}
    user.refresh_from_db()
    assert user.profile.must_change_password


def test_the_cli_refuses_the_current_password_as_the_new_one(capsys, monkeypatch):
    user, password = one_time_user()
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["user", "set-password", "nina", "--password-stdin"]) == EXIT_USAGE
    assert ONE_TIME_REFUSED in capsys.readouterr().err
    user.refresh_from_db()
    assert user.profile.must_change_password


# --- until it is changed, only the change itself works ---------------------------------------

MUST_CHANGE = "password_change_required"


def test_a_one_time_session_cannot_use_the_api(client):
    one_time_user(client)
    me = client.get("/api/v1/me/")
    assert me.status_code == 403
    assert me.json()["error"] == MUST_CHANGE
    assert "Change your one-time password first" in me.json()["detail"]
    token = client.post("/api/v1/tokens/", {"name": "forever"}, content_type="application/json")
    assert token.status_code == 403 and token.json()["error"] == MUST_CHANGE
    assert not ApiToken.objects.exists()
    backup = client.post("/api/v1/backups/", {}, content_type="application/json")
    assert backup.status_code == 403 and backup.json()["error"] == MUST_CHANGE


def test_a_one_time_session_can_change_its_password_through_the_api_then_use_it(client):
    user, password = one_time_user(client)
    new = "correct horse battery staple 42"
    response = client.post(
        "/api/v1/me/password/",
        {"current_password": password, "new_password": new},
        content_type="application/json",
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert not user.profile.must_change_password
    assert client.get("/api/v1/me/").status_code == 200


def test_a_one_time_session_can_sign_out(client):
    one_time_user(client)
    assert client.post("/logout/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/").status_code == 302


def test_a_token_made_on_the_host_for_a_user_who_never_signs_in_keeps_working(api_client_for):
    # Only the host's operator (`erpkeeper token create`) can make one while the flag is set:
    # the one-time password itself cannot, so the token is not derived from it.
    user, _password = one_time_user()
    response = api_client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "nina"
