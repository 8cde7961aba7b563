"""API tokens: hashed at rest, shown once, refused clearly when revoked, expired or wrong."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_FORMAT = re.compile(r"^ek_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}$")


def bearer(plaintext, keyword="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {plaintext}")
    return client


def dump_database() -> str:
    """Every row of every table as text: what an attacker with a copy of the DB would see."""
    text = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            text.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(text)


def test_the_database_never_contains_the_token(victor):
    token, plaintext = services.create_api_token(victor, "reports")
    assert TOKEN_FORMAT.match(plaintext)
    assert token.token_hash == services.hash_token(plaintext)
    secret = plaintext.split("_")[2]
    dump = dump_database()
    assert plaintext not in dump
    assert secret not in dump
    assert token.prefix in dump  # the public part is kept for display


def test_a_valid_token_authenticates_and_records_its_use_at_most_once_a_minute(victor):
    token, plaintext = services.create_api_token(victor, "reports")
    assert services.authenticate_token(plaintext) == victor
    token.refresh_from_db()
    first_use = token.last_used
    assert first_use is not None
    services.authenticate_token(plaintext)
    token.refresh_from_db()
    assert token.last_used == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used=first_use - timedelta(minutes=2))
    services.authenticate_token(plaintext)
    token.refresh_from_db()
    assert token.last_used > first_use - timedelta(minutes=2)


@pytest.mark.parametrize("keyword", ["Bearer", "Token", "bearer"])
def test_bearer_and_token_keywords_are_accepted(victor, keyword):
    _token, plaintext = services.create_api_token(victor, "cli")
    assert bearer(plaintext, keyword).get("/api/v1/me/").status_code == 200


def test_a_revoked_token_is_refused_with_a_401_saying_so(victor):
    token, plaintext = services.create_api_token(victor, "old script")
    services.revoke_api_token(token)
    response = bearer(plaintext).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "This API token has been revoked.",
        "error": "token_revoked",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused_with_a_401_saying_so(victor):
    token, plaintext = services.create_api_token(
        victor, "short-lived", timezone.now() + timedelta(days=1)
    )
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - timedelta(seconds=1))
    response = bearer(plaintext).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"] == "token_expired"


def test_a_wrong_or_malformed_token_is_refused_with_a_401(victor):
    _token, plaintext = services.create_api_token(victor, "cli")
    tampered = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    for candidate in (tampered, "nonsense", plaintext + "x"):
        response = bearer(candidate).get("/api/v1/me/")
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"


def test_a_disabled_users_token_is_refused(victor):
    _token, plaintext = services.create_api_token(victor, "cli")
    victor.is_active = False
    victor.save()
    response = bearer(plaintext).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"] == "user_inactive"


def test_no_credentials_is_a_401_json(client):
    response = client.get("/api/v1/me/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_expiry_must_be_in_the_future(victor):
    with pytest.raises(ValidationError):
        services.create_api_token(victor, "x", timezone.now() - timedelta(days=1))


# --- /api/v1/tokens/ --------------------------------------------------------------------------


def test_the_api_creates_a_token_shows_it_once_and_lists_only_own_tokens(
    api_client_for, victor, olga
):
    services.create_api_token(olga, "olga's")
    client = api_client_for(victor)
    created = client.post(
        "/api/v1/tokens/", {"name": "grafana", "expires_in_days": 30}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert TOKEN_FORMAT.match(body["token"])
    assert body["status"] == "active"
    assert created["Cache-Control"] == "no-store"
    assert bearer(body["token"]).get("/api/v1/me/").json()["username"] == "victor"

    listing = client.get("/api/v1/tokens/").json()
    rows = listing["results"] if isinstance(listing, dict) else listing
    assert sorted(r["name"] for r in rows) == ["grafana", "tests"]
    assert all("token" not in r for r in rows)
    assert client.get(f"/api/v1/tokens/{body['id']}/").json().get("token") is None


def test_the_api_revokes_own_tokens_but_not_others(api_client_for, victor, olga):
    olgas, _ = services.create_api_token(olga, "olga's")
    mine, plaintext = services.create_api_token(victor, "to revoke")
    client = api_client_for(victor)
    assert client.post(f"/api/v1/tokens/{olgas.pk}/revoke/").status_code == 404
    response = client.post(f"/api/v1/tokens/{mine.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == "revoked"
    assert bearer(plaintext).get("/api/v1/me/").status_code == 401
    other, _ = services.create_api_token(victor, "delete me")
    assert client.delete(f"/api/v1/tokens/{other.pk}/").status_code == 204
    other.refresh_from_db()
    assert other.revoked is not None  # revoked, kept for the record


# --- console --------------------------------------------------------------------------------


def test_console_shows_a_new_token_once(console_client_for, victor):
    client = console_client_for(victor)
    response = client.post("/accounts/apitoken/add/", {"name": "laptop"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    shown = re.search(r"ek_[A-Za-z0-9]{8}_[A-Za-z0-9]{43}", page).group(0)
    assert services.authenticate_token(shown) == victor
    token = ApiToken.objects.get(user=victor, name="laptop")
    assert shown not in client.get(f"/accounts/apitoken/{token.pk}/change/").content.decode()
    assert shown not in client.get("/accounts/apitoken/").content.decode()


def test_console_lists_only_own_tokens_unless_allowed_to_see_all(
    console_client_for, victor, olga, alice, sam
):
    services.create_api_token(victor, "victor-token")
    olgas, _ = services.create_api_token(olga, "olga-token")
    victor_page = console_client_for(victor).get("/accounts/apitoken/").content.decode()
    assert "victor-token" in victor_page and "olga-token" not in victor_page
    assert console_client_for(victor).get(f"/accounts/apitoken/{olgas.pk}/change/").status_code in (
        302,
        404,
    )
    for admin in (alice, sam):
        page = console_client_for(admin).get("/accounts/apitoken/").content.decode()
        assert "victor-token" in page and "olga-token" in page


def test_console_revoke_action_respects_who_may_revoke(console_client_for, victor, olga, sam):
    olgas, _ = services.create_api_token(olga, "olga-token")
    own, _ = services.create_api_token(sam, "sam-token")
    data = {"action": "revoke_selected", "_selected_action": [olgas.pk, own.pk]}
    console_client_for(sam).post("/accounts/apitoken/", data)
    olgas.refresh_from_db()
    own.refresh_from_db()
    assert own.revoked is not None
    assert olgas.revoked is None  # the auditor sees everyone's tokens but revokes only their own


def test_console_detail_action_asks_first_and_revokes_on_post(console_client_for, victor):
    token, _ = services.create_api_token(victor, "laptop")
    client = console_client_for(victor)
    url = f"/accounts/apitoken/{token.pk}/revoke_detail/"
    page = client.get(url)
    assert page.status_code == 200
    assert "cannot be undone" in page.content.decode()
    token.refresh_from_db()
    assert token.revoked is None
    response = client.post(url, follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked is not None


# --- audit trail ------------------------------------------------------------------------------


def test_changes_made_with_a_token_are_attributed_to_its_user(api_client_for, victor):
    from erpkeeper.core.models import AuditEntry

    created = api_client_for(victor).post("/api/v1/tokens/", {"name": "grafana"}, format="json")
    assert created.status_code == 201
    entry = AuditEntry.objects.filter(object_type__icontains="apitoken").latest("sequence")
    assert entry.object_id == str(created.json()["id"])
    assert entry.actor_name == "victor"
    assert entry.actor_id == victor.pk
    assert entry.source == "api"
    assert created.json()["token"] not in str(entry.after)
    assert "token_hash" not in entry.after or entry.after["token_hash"] == "********"


def test_console_filters_tokens_by_status(console_client_for, victor):
    services.create_api_token(victor, "still-good")
    old, _ = services.create_api_token(victor, "gone-now")
    services.revoke_api_token(old)
    client = console_client_for(victor)
    active = client.get("/accounts/apitoken/?status=active").content.decode()
    revoked = client.get("/accounts/apitoken/?status=revoked").content.decode()
    assert "still-good" in active and "gone-now" not in active
    assert "gone-now" in revoked and "still-good" not in revoked
