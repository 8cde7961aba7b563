"""ERPKEEPER_2FA_REQUIRED_ROLES, ERPKEEPER_2FA_REMEMBER_DAYS and ERPKEEPER_SESSION_IDLE_MINUTES:
defaults, parsing, and bad values reported by the erpkeeper.E001 system check."""

import pytest
from django.test import Client

from erpkeeper.accounts import services
from erpkeeper.lib import env
from erpkeeper.lib.roles import Role
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.lib.test_settings import run_check


def test_the_defaults():
    from django.conf import settings

    assert settings.TWO_FACTOR_REQUIRED_ROLES == ["Administrator", "Security auditor"]
    assert settings.TWO_FACTOR_REMEMBER_DAYS == 30
    assert settings.SESSION_IDLE_MINUTES == 30


def parse_roles(monkeypatch, value):
    monkeypatch.setenv("ERPKEEPER_2FA_REQUIRED_ROLES", value)
    monkeypatch.setattr(env, "CONFIG_ERRORS", [])
    roles = env.envlist_of(
        "ERPKEEPER_2FA_REQUIRED_ROLES", ["Administrator"], lambda t: Role.parse(t).value, "roles"
    )
    return roles, env.CONFIG_ERRORS


def test_roles_are_read_in_any_spelling_and_empty_means_nobody(monkeypatch):
    assert parse_roles(monkeypatch, "dba, Ops engineer,security-auditor,DBA") == (
        ["DBA", "Ops engineer", "Security auditor"],
        [],
    )
    assert parse_roles(monkeypatch, "") == ([], [])


def test_an_unknown_role_keeps_the_default_and_is_reported(monkeypatch):
    roles, errors = parse_roles(monkeypatch, "Administrator,Wizard")
    assert roles == ["Administrator"]
    assert errors[0].check_id == "erpkeeper.E001" and "'Wizard'" in errors[0].message


@pytest.mark.parametrize(
    "variable, value",
    [
        ("ERPKEEPER_2FA_REQUIRED_ROLES", "Administrator,Wizard"),
        ("ERPKEEPER_2FA_REMEMBER_DAYS", "-1"),
        ("ERPKEEPER_SESSION_IDLE_MINUTES", "0"),
        ("ERPKEEPER_SESSION_IDLE_MINUTES", "soon"),
    ],
)
def test_bad_values_fail_the_system_check(tmp_path, variable, value):
    result = run_check(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert "erpkeeper.E001" in result.stderr and variable in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_the_required_roles_follow_the_setting(olga, alice, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["Ops engineer"]
    assert services.two_factor_required(olga) and not services.two_factor_required(alice)
    client = Client()
    client.post("/login/", {"username": "olga", "password": PERSONA_PASSWORD})
    assert client.get("/")["Location"].startswith("/account/two-factor/setup/")
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_counts_as_an_administrator(django_user_model):
    root = django_user_model.objects.create_superuser("root", "", "a long root passphrase")
    assert services.two_factor_required(root)
