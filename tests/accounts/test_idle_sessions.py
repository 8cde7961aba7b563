"""Console sessions end after ERPKEEPER_SESSION_IDLE_MINUTES without activity; background reads
of an open page (live charts) are not activity."""

import time

import pytest
from django.test import Client

from erpkeeper.accounts.middleware import LAST_ACTIVITY_KEY
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.post("/login/", {"username": user.username, "password": PERSONA_PASSWORD})
    assert client.get("/").status_code == 200
    return client


def last_activity(client):
    return client.session[LAST_ACTIVITY_KEY]


def set_last_activity(client, seconds_ago):
    session = client.session
    session[LAST_ACTIVITY_KEY] = time.time() - seconds_ago
    session.save()


def test_a_session_idle_for_longer_than_the_setting_is_signed_out(olga, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client = signed_in(olga)
    set_last_activity(client, 29 * 60)
    assert client.get("/").status_code == 200
    set_last_activity(client, 31 * 60)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert "signed out after 30 minutes without activity" in response.content.decode()
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_activity_is_written_at_most_once_a_minute_and_moves_the_expiry(olga, settings):
    settings.SESSION_IDLE_MINUTES = 30
    client = signed_in(olga)
    first = last_activity(client)
    client.get("/")
    assert last_activity(client) == first  # within the minute: no write
    set_last_activity(client, 5 * 60)
    client.get("/")
    assert last_activity(client) > time.time() - 5
    assert 30 * 60 <= client.session.get_expiry_age() <= 31 * 60


def test_background_reads_do_not_keep_a_session_alive(olga):
    client = signed_in(olga)
    set_last_activity(client, 10 * 60)
    before = last_activity(client)
    client.get("/api/v1/me/", HTTP_SEC_FETCH_MODE="cors")
    assert last_activity(client) == before
    client.get("/", HTTP_SEC_FETCH_MODE="navigate")
    assert last_activity(client) > before
