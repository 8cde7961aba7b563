"""Risky accounts on a real Tryton ERP (a private copy of the demo database, edited to make a
user dormant, an employee leave, a role expire): found after each snapshot, accepted with a
reason and an expiry, fixed when a later snapshot no longer shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from erpkeeper.security import services
from erpkeeper.security.models import Finding, FindingState
from erpkeeper.targets.services import add_target
from tests.security.helpers import user_id, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(tryton_sqlite_db):
    return add_target(name="shop", database_url=tryton_sqlite_db)


def _stamp(days_ago: float) -> str:
    return (timezone.now() - dt.timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S")


def _sessions_at(url: str, login: str, days_ago: float) -> None:
    write(
        url,
        (
            "UPDATE ir_session SET create_date = ?, write_date = NULL WHERE create_uid = ?",
            (_stamp(days_ago), user_id(url, login)),
        ),
    )


def _open(target) -> dict[tuple[str, str], Finding]:
    return {
        (f.kind, f.subject): f
        for f in Finding.objects.filter(target=target).exclude(state=FindingState.FIXED)
    }


def test_dormant_never_logged_in_and_generic_accounts_are_found(shop, tryton_sqlite_db):
    _sessions_at(tryton_sqlite_db, "zhang.wei", 200)
    _sessions_at(tryton_sqlite_db, "li.na", 1)
    write(tryton_sqlite_db, "DELETE FROM ir_session WHERE create_uid = 13")  # xu.jing
    snapshot = services.take_snapshot(shop)
    found = _open(shop)
    assert ("dormant", "zhang.wei") in found and ("dormant", "li.na") not in found
    assert "more than 90 days ago" in found["dormant", "zhang.wei"].detail
    assert ("never_logged_in", "xu.jing") in found
    assert found["generic_login", "admin"].severity == "high"  # an administrator
    assert ("never_logged_in", "zheng.kai") not in found  # inactive accounts are no risk
    assert snapshot.summary["accounts"]["dormant"] >= 1


def test_the_dormant_days_setting_applies(shop, tryton_sqlite_db, settings):
    settings.SECURITY_DORMANT_DAYS = 300
    _sessions_at(tryton_sqlite_db, "zhang.wei", 200)
    services.take_snapshot(shop)
    assert ("dormant", "zhang.wei") not in _open(shop)


def test_administrators_beyond_the_limit(shop, tryton_sqlite_db, settings):
    settings.SECURITY_MAX_ADMINISTRATORS = 1
    write(tryton_sqlite_db, "UPDATE res_user SET administrator = 1 WHERE login = 'ma.chao'")
    services.take_snapshot(shop)
    finding = _open(shop)["excess_administrator", ""]
    assert "admin, ma.chao" in finding.detail


def test_an_account_active_after_its_employee_left(shop, tryton_sqlite_db):
    write(
        tryton_sqlite_db,
        "UPDATE company_employee SET end_date = '2026-01-31' "
        "WHERE id = (SELECT employee FROM res_user WHERE login = 'wang.fang')",
    )
    services.take_snapshot(shop)
    finding = _open(shop)["employee_left", "wang.fang"]
    assert "2026-01-31" in finding.detail and finding.severity == "high"


def test_groups_kept_after_the_role_expired(shop, tryton_sqlite_db):
    # zheng.kai's role expired on 2026-08-10; make the account active and keep a group of it.
    write(
        tryton_sqlite_db,
        "UPDATE res_user SET active = 1 WHERE login = 'zheng.kai'",
        "UPDATE res_user_role SET to_date = '2026-08-10 00:00:00' WHERE \"user\" = 14",
        'INSERT INTO "res_user-res_group" ("user", "group", create_date, create_uid) '
        'SELECT 14, rg."group", \'2026-01-01\', 0 FROM "res_role-res_group" rg '
        'JOIN res_user_role ur ON ur.role = rg.role WHERE ur."user" = 14',
    )
    services.take_snapshot(shop)
    assert ("expired_role_groups", "zheng.kai") in _open(shop)


def test_accept_then_fixed_by_a_later_snapshot(shop, tryton_sqlite_db):
    _sessions_at(tryton_sqlite_db, "zhang.wei", 200)
    services.take_snapshot(shop)
    finding = _open(shop)["dormant", "zhang.wei"]
    with pytest.raises(ValidationError):
        services.accept_finding(finding, reason="", expires=timezone.localdate(), by="sam")
    until = timezone.localdate() + dt.timedelta(days=30)
    services.accept_finding(finding, reason="on leave", expires=until, by="sam")
    services.take_snapshot(shop)
    finding.refresh_from_db()
    assert finding.state == "accepted" and finding.reason == "on leave"
    write(tryton_sqlite_db, "UPDATE res_user SET active = 0 WHERE login = 'zhang.wei'")
    services.take_snapshot(shop)
    finding.refresh_from_db()
    assert finding.state == "fixed" and finding.fixed_at is not None


def test_an_expired_acceptance_opens_again(shop, tryton_sqlite_db):
    _sessions_at(tryton_sqlite_db, "zhang.wei", 200)
    services.take_snapshot(shop)
    finding = _open(shop)["dormant", "zhang.wei"]
    Finding.objects.filter(pk=finding.pk).update(
        state="accepted", expires=timezone.localdate() - dt.timedelta(days=1)
    )
    services.take_snapshot(shop)
    finding.refresh_from_db()
    assert finding.state == "open"
