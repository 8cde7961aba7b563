"""Password policy (NIST SP 800-63B) on every path that sets a password."""

import pytest
from django.core.exceptions import ValidationError

from erpkeeper.accounts import services
from erpkeeper.accounts.roles import Role
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

PASSPHRASE = "purple elephants dance quietly"  # lowercase only: no composition rules


def reasons(password, username="victoria", email="victoria@example.com"):
    try:
        services.create_user(username, email, Role.VIEWER, password=password)
    except ValidationError as exc:
        return " ".join(exc.message_dict["password"])
    return ""


def test_eleven_characters_are_too_short():
    assert "at least 12 characters" in reasons("abcdefghijk")


def test_a_common_password_is_rejected_even_when_long_enough():
    assert "too common" in reasons("qwerty123456")


def test_a_password_like_the_username_is_rejected():
    assert "too similar" in reasons("victoria2024!")


def test_a_long_lowercase_passphrase_is_accepted():
    assert reasons(PASSPHRASE) == ""
    assert services.get_user("victoria").check_password(PASSPHRASE)


def test_a_generated_password_passes_the_policy_and_is_returned_once():
    user, generated = services.create_user("gen", "", Role.VIEWER)
    assert len(generated) >= 20
    assert user.check_password(generated)
    assert generated not in user.password


def test_set_password_validates_and_keeps_the_old_one_on_failure(victor):
    with pytest.raises(ValidationError) as caught:
        services.set_password(victor, "short")
    assert "at least 12 characters" in " ".join(caught.value.message_dict["password"])
    victor.refresh_from_db()
    assert victor.check_password(PERSONA_PASSWORD)


def test_console_user_form_shows_the_reason(console_client_for, alice):
    response = console_client_for(alice).post(
        "/auth/user/add/",
        {
            "username": "ivan",
            "role": Role.VIEWER.value,
            "password1": "qwerty123456",
            "password2": "qwerty123456",
        },
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_console_password_change_shows_the_reason(console_client_for, alice, victor):
    response = console_client_for(alice).post(
        f"/auth/user/{victor.pk}/password/",
        {"usable_password": "true", "password1": "abcdefghijk", "password2": "abcdefghijk"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()


def test_own_password_change_in_the_console_is_validated(console_client_for, victor):
    response = console_client_for(victor).post(
        "/password_change/",
        {
            "old_password": PERSONA_PASSWORD,
            "new_password1": "qwerty123456",
            "new_password2": "qwerty123456",
        },
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()


def test_api_password_change_lists_the_reasons(api_client_for, victor):
    client = api_client_for(victor)
    response = client.post(
        "/api/v1/me/password/",
        {"current_password": PERSONA_PASSWORD, "new_password": "victor-1"},
        format="json",
    )
    assert response.status_code == 400
    text = " ".join(response.json()["new_password"])
    assert "at least 12 characters" in text
    assert "too similar" in text


def test_api_password_change_needs_the_current_password(api_client_for, victor):
    response = api_client_for(victor).post(
        "/api/v1/me/password/",
        {"current_password": "wrong password here", "new_password": PASSPHRASE},
        format="json",
    )
    assert response.status_code == 400
    assert "current_password" in response.json()


def test_api_password_change_succeeds_with_a_good_passphrase(api_client_for, victor):
    response = api_client_for(victor).post(
        "/api/v1/me/password/",
        {"current_password": PERSONA_PASSWORD, "new_password": PASSPHRASE},
        format="json",
    )
    assert response.status_code == 204
    victor.refresh_from_db()
    assert victor.check_password(PASSPHRASE)
