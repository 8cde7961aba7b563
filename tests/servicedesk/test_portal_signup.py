"""Self-registration on the portal: only for the allowed e-mail domains, confirmed by a mailed
link; without a mail channel the account waits for the team."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from erpkeeper.accounts import services as accounts
from erpkeeper.core import mail
from erpkeeper.lib.roles import Role
from erpkeeper.servicedesk.services import signup

SIGNUP = reverse("portal:signup")
FORM = {
    "full_name": "Li Na",
    "email": "li.na@factory.example.cn",
    "username": "lina",
    "password1": "a long phrase of my own",
    "password2": "a long phrase of my own",
}


@pytest.fixture
def open_signup(db, settings):
    settings.PORTAL_SIGNUP_DOMAINS = ["factory.example.cn"]


@pytest.fixture
def outbox(monkeypatch):
    sent = []
    monkeypatch.setattr(mail, "_senders", [sent.append])
    return sent


def test_closed_without_domains(db, settings):
    settings.PORTAL_SIGNUP_DOMAINS = []
    assert Client().get(SIGNUP).status_code == 404
    assert "signup" not in Client().get(reverse("portal:login")).content.decode()


def test_sign_up_confirm_and_sign_in(open_signup, outbox):
    client = Client()
    answer = client.post(SIGNUP, FORM)
    assert 'id="signup-done"' in answer.content.decode()
    user = get_user_model().objects.get(username="lina")
    assert not user.is_active and not user.is_staff
    assert accounts.user_roles(user) == [Role.PORTAL_USER]
    assert (
        client.post(
            reverse("portal:login"), {"username": "lina", "password": FORM["password1"]}
        ).status_code
        == 200
    )  # not yet: the address is not confirmed

    (message,) = outbox
    assert message.to == ("li.na@factory.example.cn",)
    link = re.search(r"http://testserver(/portal/signup/\S+/)", message.body).group(1)
    assert client.get(link).url == reverse("portal:login")
    user.refresh_from_db()
    assert user.is_active
    answer = client.post(
        reverse("portal:login"), {"username": "lina", "password": FORM["password1"]}
    )
    assert answer.url == reverse("portal:tickets")


def test_other_domains_are_refused(open_signup, outbox):
    answer = Client().post(SIGNUP, {**FORM, "email": "li.na@gmail.com"})
    assert "@factory.example.cn" in answer.content.decode()
    assert not get_user_model().objects.filter(username="lina").exists()
    assert not outbox


def test_a_weak_password_or_a_taken_address_is_refused(open_signup, outbox):
    weak = Client().post(SIGNUP, {**FORM, "password1": "short", "password2": "short"})
    assert weak.status_code == 200 and 'id="signup-done"' not in weak.content.decode()
    Client().post(SIGNUP, FORM)
    again = Client().post(SIGNUP, {**FORM, "username": "lina2"})
    assert not get_user_model().objects.filter(username="lina2").exists()
    assert 'id="signup-done"' not in again.content.decode()


def test_a_tampered_link_activates_nothing(open_signup, outbox):
    Client().post(SIGNUP, FORM)
    user = get_user_model().objects.get(username="lina")
    token = signup.confirmation_token(user)
    answer = Client().get(reverse("portal:signup-confirm", args=[token[:-2] + "xx"]))
    assert 'id="signup-error"' in answer.content.decode()
    user.refresh_from_db()
    assert not user.is_active


def test_without_mail_the_team_activates(open_signup, monkeypatch):
    monkeypatch.setattr(mail, "_senders", [])
    answer = Client().post(SIGNUP, FORM)
    assert "ERP team will activate it" in answer.content.decode()
    assert not get_user_model().objects.get(username="lina").is_active
