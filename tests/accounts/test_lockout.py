"""Sign-in throttling with django-axes on the console's login page, per (username, address)."""

import pytest
from django.test import Client

from erpkeeper.cli import main
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"


def sign_in(username, password, address="10.0.0.1", client=None):
    client = client or Client()
    return client.post(
        "/login/?next=/",
        {"username": username, "password": password, "next": "/"},
        REMOTE_ADDR=address,
    )


def fail_five_times(username, address="10.0.0.1"):
    return [sign_in(username, "not the password", address) for _ in range(5)]


def test_a_good_password_signs_in(victor):
    response = sign_in("victor", PERSONA_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_says_so_without_locking_at_first(victor):
    response = sign_in("victor", "not the password")
    assert response.status_code == 200
    assert "Wrong user name or password." in response.content.decode()


def test_five_failures_lock_the_account_from_that_address_even_for_the_right_password(victor):
    responses = fail_five_times("victor")
    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429

    sixth = sign_in("victor", PERSONA_PASSWORD)

    assert sixth.status_code == 429
    page = sixth.content.decode()
    assert LOCKED in page
    assert "15 minutes" in page
    assert 'role="alert"' in page
    assert "sessionid" not in sixth.cookies


def test_the_same_account_from_another_address_is_not_locked(victor):
    fail_five_times("victor", "10.0.0.1")
    assert sign_in("victor", PERSONA_PASSWORD, address="10.0.0.2").status_code == 302


def test_another_account_from_the_same_address_is_not_locked(victor, mark):
    fail_five_times("victor", "10.0.0.1")
    assert sign_in("mark", PERSONA_PASSWORD, address="10.0.0.1").status_code == 302


def test_unlock_from_the_cli_lifts_the_lockout(victor, capsys):
    fail_five_times("victor")
    assert main(["user", "unlock", "victor"]) == 0
    assert "victor unlocked" in capsys.readouterr().out
    assert sign_in("victor", PERSONA_PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(victor):
    for _ in range(4):
        sign_in("victor", "not the password")
    assert sign_in("victor", PERSONA_PASSWORD).status_code == 302
    for _ in range(4):
        sign_in("victor", "not the password")
    assert sign_in("victor", PERSONA_PASSWORD).status_code == 302


def test_api_token_failures_are_plain_401s_not_lockouts(victor, api_client_for):
    client = api_client_for(victor)
    bogus = Client(HTTP_AUTHORIZATION="Bearer ek_AAAAAAAA_" + "B" * 43)
    for _ in range(10):
        assert bogus.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 200


# --- the API's password change counts wrong current passwords like failed sign-ins -----------


def change_password(client, current, address="10.0.0.1"):
    return client.post(
        "/api/v1/me/password/",
        {"current_password": current, "new_password": "purple elephants dance quietly"},
        format="json",
        REMOTE_ADDR=address,
    )


def test_a_stolen_token_cannot_guess_the_password_at_full_speed(victor, api_client_for):
    client = api_client_for(victor)
    responses = [change_password(client, f"guess number {n}") for n in range(5)]
    assert [r.status_code for r in responses[:4]] == [400] * 4
    assert responses[4].status_code == 429
    assert responses[4].json()["error"] == "locked_out"
    assert LOCKED in responses[4].json()["detail"]

    right = change_password(client, PERSONA_PASSWORD)

    assert right.status_code == 429 and right.json()["error"] == "locked_out"
    victor.refresh_from_db()
    assert victor.check_password(PERSONA_PASSWORD)


def test_password_change_failures_lock_sign_in_from_that_address_too(victor, api_client_for):
    client = api_client_for(victor)
    for n in range(5):
        change_password(client, f"guess number {n}")
    assert sign_in("victor", PERSONA_PASSWORD).status_code == 429
    assert sign_in("victor", PERSONA_PASSWORD, address="10.0.0.2").status_code == 302


def test_sign_in_failures_lock_the_password_change_too(victor, api_client_for):
    fail_five_times("victor")
    assert change_password(api_client_for(victor), PERSONA_PASSWORD).status_code == 429


def test_unlock_lifts_the_password_change_lockout(victor, api_client_for, capsys):
    client = api_client_for(victor)
    for n in range(5):
        change_password(client, f"guess number {n}")
    assert main(["user", "unlock", "victor"]) == 0
    assert change_password(client, PERSONA_PASSWORD).status_code == 204


def test_the_console_password_change_counts_failures_too(victor, console_client_for):
    client = console_client_for(victor)
    new = "purple elephants dance quietly"
    for n in range(5):
        response = client.post(
            "/password_change/",
            {"old_password": f"guess number {n}", "new_password1": new, "new_password2": new},
            REMOTE_ADDR="10.0.0.1",
        )
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert sign_in("victor", PERSONA_PASSWORD).status_code == 429
