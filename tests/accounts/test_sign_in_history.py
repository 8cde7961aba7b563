"""Every sign-in step is kept (time, address, browser, success), shown to the auditors and the
user, pruned by the housekeeping; a correct password from a new address raises one notice."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from erpkeeper.accounts.models import LoginRecord
from erpkeeper.core.housekeeping import prune_history
from erpkeeper.core.models import AuditEntry, OutboxMessage
from tests.fixtures.personas import PERSONA_PASSWORD

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140 " + "x" * 400


def sign_in(username, password=PERSONA_PASSWORD, address="192.0.2.10", client=None):
    client = client or Client()
    response = client.post(
        "/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=BROWSER,
    )
    return response.status_code == 302


def test_success_wrong_password_and_unknown_user_are_recorded(olga):
    assert sign_in("olga")
    assert not sign_in("olga", "not her password at all")
    assert not sign_in("nobody-here")
    ok, wrong, unknown = LoginRecord.objects.order_by("pk")
    assert (ok.user, ok.success, ok.method) == (olga, True, LoginRecord.Method.PASSWORD)
    assert ok.address == "192.0.2.10"
    assert ok.user_agent == BROWSER[:255]  # truncated to the column
    assert (wrong.user, wrong.success, wrong.username) == (olga, False, "olga")
    assert (unknown.user, unknown.success, unknown.username) == (None, False, "nobody-here")
    # Observations, not changes: nothing in the audit trail.
    assert not AuditEntry.objects.filter(object_type="accounts.loginrecord").exists()


def test_a_locked_out_attempt_is_recorded_as_failed(olga):
    for _attempt in range(5):
        sign_in("olga", "wrong wrong wrong")
    assert not sign_in("olga")  # the right password, refused by the lockout
    assert LoginRecord.objects.filter(user=olga, success=False).count() == 6
    assert not LoginRecord.objects.filter(user=olga, success=True).exists()


def notices():
    return OutboxMessage.objects.filter(source="accounts")


def test_a_new_address_raises_one_notice_and_the_first_sign_in_none(olga):
    assert sign_in("olga", address="192.0.2.10")
    assert not notices().exists()  # the first sign-in: every address is new
    assert sign_in("olga", address="192.0.2.10")
    assert not notices().exists()
    assert sign_in("olga", address="198.51.100.7")
    notice = notices().get()
    assert "olga" in notice.subject and "198.51.100.7" in notice.subject
    assert notice.severity == OutboxMessage.Severity.WARNING
    assert "Chrome/140" in notice.body
    assert notice.link == f"/accounts/loginrecord/?user__id__exact={olga.pk}"
    assert sign_in("olga", address="198.51.100.7")  # known now
    assert not sign_in("olga", "wrong password here", address="203.0.113.5")  # not a sign-in
    assert notices().count() == 1
    assert sign_in("olga", address="203.0.113.5")
    assert notices().count() == 2  # one per address: notices never merge


def test_auditors_see_everybody_s_sign_ins_and_others_do_not(sam, victor, console_client_for):
    assert sign_in("victor")
    page = console_client_for(sam).get("/accounts/loginrecord/")
    assert page.status_code == 200 and "victor" in page.content.decode()
    assert console_client_for(victor).get("/accounts/loginrecord/").status_code == 403
    record = LoginRecord.objects.filter(username="victor").first()
    detail = console_client_for(sam).get(f"/accounts/loginrecord/{record.pk}/change/")
    assert detail.status_code == 200
    assert 'name="username"' not in detail.content.decode()  # read-only evidence


def test_the_user_page_lists_recent_sign_ins(alice, victor, console_client_for):
    assert sign_in("victor")
    page = console_client_for(alice).get(f"/auth/user/{victor.pk}/change/").content.decode()
    assert 'id="sign-in-history"' in page
    assert f"/accounts/loginrecord/?user__id__exact={victor.pk}" in page


def test_the_api_gives_one_s_own_sign_ins_and_auditors_everybody_s(sam, victor, api_client_for):
    assert sign_in("victor")
    assert sign_in("sam")
    own = api_client_for(victor).get("/api/v1/me/sign-ins/").json()["results"]
    assert {row["username"] for row in own} == {"victor"}
    everybody = api_client_for(sam).get("/api/v1/sign-ins/?success=true").json()["results"]
    assert {row["username"] for row in everybody} >= {"victor", "sam"}
    assert api_client_for(victor).get("/api/v1/sign-ins/").status_code == 403


def test_the_housekeeping_prunes_old_sign_ins(olga):
    assert sign_in("olga")
    LoginRecord.objects.create(
        username="olga",
        user=olga,
        method=LoginRecord.Method.PASSWORD,
        success=True,
        time=timezone.now() - dt.timedelta(days=400),
    )
    assert prune_history(days=180)["sign_ins"] == 1
    assert LoginRecord.objects.count() == 1


def test_odd_client_values_never_stop_a_sign_in(olga):
    client = Client()
    response = client.post(
        "/login/",
        {"username": "olga", "password": PERSONA_PASSWORD},
        REMOTE_ADDR="unknown",
        HTTP_USER_AGENT="evil\x00agent",
    )
    assert response.status_code == 302
    record = LoginRecord.objects.get()
    assert record.address is None and record.user_agent == "evilagent"
