"""``erpkeeper user|token|role`` as an operator uses them, with exit codes and --json."""

import io
import json

import pytest
from django.contrib.auth import get_user_model

from erpkeeper.accounts import services
from erpkeeper.accounts.models import ApiToken
from erpkeeper.accounts.roles import Role
from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_OK, EXIT_USAGE, main

pytestmark = pytest.mark.django_db

PASSPHRASE = "granite windows hum softly"


def run(capsys, *argv, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_create_without_password_prints_a_one_time_password(capsys):
    code, out, _err = run(capsys, "user", "create", "nina", "--role", "dba")
    assert code == EXIT_OK
    assert "created user nina with role DBA" in out
    password = out.strip().rsplit(" ", 1)[-1]
    user = services.get_user("nina")
    assert user.check_password(password)
    assert user.is_staff
    assert services.user_roles(user) == [Role.DBA]


def test_user_create_reads_the_password_from_stdin(capsys, monkeypatch):
    code, out, _ = run(
        capsys,
        "--json",
        "user",
        "create",
        "omar",
        "--role",
        "Ops engineer",
        "--email",
        "omar@example.com",
        "--password-stdin",
        stdin=PASSPHRASE + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["roles"] == ["Ops engineer"]
    assert "password" not in data
    assert services.get_user("omar").check_password(PASSPHRASE)


def test_user_create_with_a_weak_password_exits_2_with_the_reasons(capsys, monkeypatch):
    code, _out, err = run(
        capsys,
        "user",
        "create",
        "pete",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="short\n",
        monkeypatch=monkeypatch,
    )
    assert code == EXIT_USAGE
    assert "at least 12 characters" in err
    assert not get_user_model().objects.filter(username="pete").exists()


def test_user_create_rejects_an_unknown_role_and_a_taken_name(capsys, victor):
    code, _out, err = run(capsys, "user", "create", "rita", "--role", "root")
    assert code == EXIT_USAGE
    assert "unknown role 'root'" in err
    code, _out, err = run(capsys, "user", "create", "VICTOR", "--role", "viewer")
    assert code == EXIT_USAGE
    assert "already exists" in err


def test_user_list_shows_roles(capsys, personas):
    code, out, _ = run(capsys, "user", "list")
    assert code == EXIT_OK
    assert "sam" in out and "Security auditor" in out
    code, out, _ = run(capsys, "--json", "user", "list")
    rows = {row["username"]: row for row in json.loads(out)}
    assert rows["helen"]["roles"] == ["Helpdesk agent"]


def test_user_set_role_replaces_the_role(capsys, victor):
    code, out, _ = run(capsys, "user", "set-role", "victor", "manager")
    assert code == EXIT_OK
    assert "victor now has the role Manager" in out
    assert services.user_roles(victor) == [Role.MANAGER]


def test_user_set_role_of_an_unknown_user_exits_3(capsys):
    code, _out, err = run(capsys, "user", "set-role", "nobody", "viewer")
    assert code == EXIT_NOT_FOUND
    assert "no user named 'nobody'" in err


def test_user_set_password_validates(capsys, monkeypatch, victor):
    code, _out, err = run(
        capsys,
        "user",
        "set-password",
        "victor",
        "--password-stdin",
        stdin="qwerty123456\n",
        monkeypatch=monkeypatch,
    )
    assert code == EXIT_USAGE
    assert "password not changed: This password is too common." in err

    code, out, _ = run(
        capsys,
        "user",
        "set-password",
        "victor",
        "--password-stdin",
        stdin=PASSPHRASE + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == EXIT_OK
    victor.refresh_from_db()
    assert victor.check_password(PASSPHRASE)


def test_user_set_password_without_stdin_or_terminal_is_a_usage_error(capsys, monkeypatch, victor):
    code, _out, err = run(
        capsys, "user", "set-password", "victor", stdin="", monkeypatch=monkeypatch
    )
    assert code == EXIT_USAGE
    assert "--password-stdin" in err


def test_user_unlock_of_an_unlocked_user(capsys, victor):
    code, out, _ = run(capsys, "--json", "user", "unlock", "victor")
    assert code == EXIT_OK
    assert json.loads(out) == {"username": "victor", "had_failed_attempts": False}


def test_token_create_prints_the_token_once_and_stores_its_hash(capsys, victor):
    argv = [
        "token",
        "create",
        "--user",
        "victor",
        "--name",
        "backup script",
        "--expires-days",
        "30",
    ]
    code, out, _ = run(capsys, "--json", *argv)
    assert code == EXIT_OK
    data = json.loads(out)
    token = ApiToken.objects.get(pk=data["id"])
    assert token.token_hash == services.hash_token(data["token"])
    assert token.expires is not None
    assert services.authenticate_token(data["token"]) == victor

    code, out, _ = run(capsys, "token", "list")
    assert code == EXIT_OK
    assert "backup script" in out
    assert data["token"] not in out
    assert token.display_prefix in out


def test_token_create_for_an_unknown_user_exits_3(capsys):
    code, _out, _err = run(capsys, "token", "create", "--user", "ghost", "--name", "x")
    assert code == EXIT_NOT_FOUND


def test_token_create_rejects_nonpositive_expiry(capsys, victor):
    code, _out, err = run(
        capsys, "token", "create", "--user", "victor", "--name", "x", "--expires-days", "0"
    )
    assert code == EXIT_USAGE
    assert "--expires-days" in err


def test_token_revoke(capsys, victor):
    token, plaintext = services.create_api_token(victor, "old")
    code, out, _ = run(capsys, "token", "revoke", str(token.pk))
    assert code == EXIT_OK
    assert "revoked" in out
    assert services.authenticate_token(plaintext) is None
    code, _out, _err = run(capsys, "token", "revoke", "999999")
    assert code == EXIT_NOT_FOUND


def test_role_list_counts_permissions_and_members(capsys, personas):
    code, out, _ = run(capsys, "--json", "role", "list")
    assert code == EXIT_OK
    rows = {row["role"]: row for row in json.loads(out)}
    assert set(rows) == {r.value for r in Role}
    assert rows["Viewer"]["members"] == 1
    assert rows["Administrator"]["permissions"] > rows["Viewer"]["permissions"] > 0
    code, out, _ = run(capsys, "role", "list")
    assert "Helpdesk agent" in out


def test_role_show_and_sync(capsys):
    code, out, _ = run(capsys, "role", "show", "viewer")
    assert code == EXIT_OK
    assert "targets.view_target" in out
    assert "targets.add_target" not in out
    code, out, _ = run(capsys, "--json", "role", "sync")
    assert code == EXIT_OK
    assert json.loads(out)["Viewer"] > 0


def test_usage_errors_exit_2(capsys):
    code, _out, err = run(capsys, "user", "create", "x")
    assert code == EXIT_USAGE
    assert "--role" in err
