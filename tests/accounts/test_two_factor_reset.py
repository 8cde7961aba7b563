"""An administrator resets a user's two-factor authentication (a lost phone) from the console or
the command line; every device change is in the audit trail, never a secret."""

import json

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from erpkeeper.accounts import services
from erpkeeper.cli import EXIT_NOT_FOUND, EXIT_OK, main
from erpkeeper.core.audit import MASK, verify
from erpkeeper.core.models import AuditEntry
from tests.fixtures.personas import PERSONA_PASSWORD
from tests.fixtures.two_factor import enrolled, totp_code

pytestmark = pytest.mark.django_db


def enrol(user):
    """Enrol as the pages do: a waiting device confirmed with its first code."""
    device = services.start_enrolment(user)
    device, codes = services.confirm_enrolment(user, totp_code(device))
    return device, codes


def device_entries():
    return AuditEntry.objects.filter(object_type__startswith="otp_")


def test_enrolment_is_audited_without_the_key_or_the_codes(sam):
    device, codes = enrol(sam)
    recorded = json.dumps(list(device_entries().values("before", "after")))
    assert device.key not in recorded
    for code in codes:
        assert code.replace("-", "") not in recorded
    assert MASK in recorded
    types = set(device_entries().values_list("object_type", flat=True))
    assert types == {"otp_totp.totpdevice", "otp_static.staticdevice", "otp_static.statictoken"}
    assert device_entries().filter(object_type="otp_static.statictoken").count() == 10
    # Using the authenticator changes its counters, which are not changes worth an entry.
    count = device_entries().count()
    client = Client()
    client.post("/login/", {"username": "sam", "password": PERSONA_PASSWORD})
    client.post("/account/two-factor/verify/", {"code": totp_code(device)})
    assert client.get("/").status_code == 200
    assert device_entries().count() == count
    assert verify().ok


def test_a_used_recovery_code_is_recorded_as_deleted_and_masked(sam):
    _device, codes = enrol(sam)
    client = Client()
    client.post("/login/", {"username": "sam", "password": PERSONA_PASSWORD})
    client.post("/account/two-factor/verify/", {"code": codes[3]})
    used = device_entries().filter(object_type="otp_static.statictoken", action="delete").get()
    assert used.before["token"] == MASK and used.actor_name == "sam"


def test_an_administrator_resets_two_factor_in_the_console(alice, sam, console_client_for):
    enrol(sam)
    client = console_client_for(alice)
    url = f"/auth/user/{sam.pk}/reset_two_factor_detail/"
    page = client.get(url)
    assert page.status_code == 200 and "10 recovery codes left" in page.content.decode()
    assert services.has_two_factor(sam)  # a GET changes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=sam).exists()
    assert not StaticDevice.objects.filter(user=sam).exists()
    deleted = device_entries().filter(action="delete")
    assert set(deleted.values_list("actor_name", flat=True)) == {"alice"}
    assert deleted.filter(object_type="otp_totp.totpdevice").exists()
    assert deleted.filter(object_type="otp_static.statictoken").count() == 10
    # sam's role requires it: their next page is the set-up again.
    sam_client = Client()
    sam_client.post("/login/", {"username": "sam", "password": PERSONA_PASSWORD})
    assert sam_client.get("/")["Location"].startswith("/account/two-factor/setup/")


def test_an_administrator_forgets_a_users_browsers_audited(alice, sam, victor, console_client_for):
    client = console_client_for(alice)
    url = f"/auth/user/{sam.pk}/forget_browsers_detail/"
    assert "ask for the two-factor code again" in client.get(url).content.decode()
    assert services.two_factor_state(sam).browsers_forgotten_at is None  # a GET changes nothing
    assert client.post(url).status_code == 302
    sam.refresh_from_db()
    assert services.two_factor_state(sam).browsers_forgotten_at is not None
    entry = AuditEntry.objects.filter(object_type="accounts.profile", action="update").last()
    assert entry.actor_name == "alice" and entry.after["browsers_forgotten_at"]
    # Without the right to change users, nothing happens.
    assert console_client_for(sam).post(f"/auth/user/{victor.pk}/forget_browsers_detail/")
    assert services.two_factor_state(victor).browsers_forgotten_at is None


def test_cli_forget_browsers(sam, capsys):
    assert main(["--json", "user", "forget-browsers", "sam"]) == EXIT_OK
    shown = json.loads(capsys.readouterr().out)
    assert shown["two_factor"]["browsers_forgotten_at"]
    assert main(["user", "forget-browsers", "nobody"]) == EXIT_NOT_FOUND


def test_only_who_may_change_users_can_reset(sam, victor, console_client_for):
    enrolled(victor)
    response = console_client_for(sam).post(f"/auth/user/{victor.pk}/reset_two_factor_detail/")
    assert response.status_code in (302, 403)
    assert services.has_two_factor(victor)


def test_the_user_list_shows_two_factor(alice, sam, olga, console_client_for):
    enrolled(sam)
    client = console_client_for(alice)
    page = client.get("/auth/user/?two_factor=off").content.decode()
    assert f"/auth/user/{olga.pk}/change/" in page
    assert f"/auth/user/{sam.pk}/change/" not in page
    services.reset_two_factor(sam)
    page = client.get("/auth/user/").content.decode()
    assert "required, not set up" in page  # sam's role requires it


def test_cli_2fa_reset_is_audited_and_user_list_shows_it(sam, olga, capsys):
    enrol(sam)
    assert main(["--json", "user", "list"]) == EXIT_OK
    users = {row["username"]: row for row in json.loads(capsys.readouterr().out)}
    assert users["sam"]["two_factor"]["enabled"] and users["sam"]["two_factor"]["required"]
    assert not users["olga"]["two_factor"]["enabled"]
    assert main(["user", "list"]) == EXIT_OK
    table = capsys.readouterr().out
    assert "2FA" in table.splitlines()[0]

    assert main(["user", "2fa-reset", "sam"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "reset" in out and "next sign-in" in out
    assert not services.has_two_factor(sam)
    names = set(device_entries().filter(action="delete").values_list("actor_name", flat=True))
    assert len(names) == 1 and names.pop().startswith("cli:")
    assert main(["user", "2fa-reset", "sam"]) == EXIT_OK
    assert "no two-factor authentication" in capsys.readouterr().out
    assert main(["user", "2fa-reset", "nobody"]) == EXIT_NOT_FOUND


def test_cli_sign_ins(olga, capsys):
    Client().post("/login/", {"username": "olga", "password": "not the right one"})
    assert main(["--json", "user", "sign-ins", "olga", "--failed"]) == EXIT_OK
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1 and rows[0]["success"] is False and rows[0]["method"] == "password"
