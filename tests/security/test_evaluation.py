"""Access evaluated exactly as Tryton 8.2 does, checked against trytond itself on real
databases: default allow, rows with no group, group ancestors, inactive groups, administrators,
role validity dates, buttons with and without groups."""

from __future__ import annotations

import datetime as dt

import pytest

from erpkeeper.security.evaluation import AccessModel
from tests.security.helpers import (
    access_of,
    add_to_group,
    document_of,
    group_id,
    tryton_answers,
    user_id,
    write,
)

MODELS = [
    "party.party",  # no access row at all: open to everyone
    "account.move",  # a no-group row denying all, Accounting allowed
    "account.move.line",  # follows account.move (__access__)
    "purchase.purchase",
    "account.invoice",
    "stock.shipment.in",
    "res.user",
    "ir.model.access",  # follows ir.model: read only for everyone
    "sale.configuration",  # a singleton: read and write by default
]
BUTTONS = [
    "purchase.purchase:confirm",  # no groups: write on the model
    "purchase.purchase:process",  # Purchase Administrator only
    "purchase.purchase:manual_invoice",  # Accounting or Purchase
    "account.invoice:post",
    "account.invoice:process",
    "stock.shipment.in:receive",
]


def ours(access: AccessModel) -> dict:
    answers = {}
    for uid, user in access.users.items():
        holder = access.user_holder(uid)
        answers[user["login"]] = {
            "groups": sorted(holder.groups) if not holder.admin else None,
            "models": {m: access.model_perms(holder, m) for m in MODELS},
            "buttons": {
                spec: bool(access.button_sources(holder, *spec.split(":"))) for spec in BUTTONS
            },
        }
    return answers


def compare(url: str) -> None:
    expected = tryton_answers(url, MODELS, BUTTONS)
    mine = ours(access_of(url))
    for login, answer in expected.items():
        assert login in mine, login
        if not answer["admin"]:
            assert mine[login]["groups"] == answer["groups"], login
        assert mine[login]["models"] == answer["models"], login
        assert mine[login]["buttons"] == answer["buttons"], login


def test_every_user_of_the_demo_gets_what_tryton_answers(tryton_sqlite_db):
    compare(tryton_sqlite_db)


def test_special_cases_still_match_tryton(tryton_sqlite_db):
    url = tryton_sqlite_db
    # an inactive group grants nothing, its parent still does (chen.jie holds both directly)
    write(url, ("UPDATE res_group SET active = 0 WHERE name = ?", ("Stock Administration",)))
    # an administrator holds every right
    write(url, ("UPDATE res_user SET administrator = 1 WHERE login = ?", ("ma.chao",)))
    # a group reached only through its child: Purchase via Purchase Administrator
    add_to_group(url, "wu.hao", "Purchase Administrator")
    # a row for one group only, none for everyone: others keep the default (allowed)
    write(
        url,
        (
            'INSERT INTO ir_model_access (model, "group", perm_read, perm_write, perm_create, '
            "perm_delete, active, create_date, create_uid) "
            "VALUES ('party.party', ?, 1, 0, 0, 0, 1, '2026-01-01 00:00:00', 0)",
            (group_id(url, "Sales"),),
        ),
    )
    compare(url)


def test_a_model_without_rules_is_open_to_every_user(tryton_sqlite_db):
    access = access_of(tryton_sqlite_db)
    nobody = access.holder_for([])
    assert access.model_perms(nobody, "party.party") == "rwcd"
    assert access.model_sources(nobody, "party.party", "w")[0].kind == "default"
    assert access.model_perms(nobody, "account.move") == ""  # the no-group row denies
    assert access.default_perms("sale.configuration") == "rw"  # a singleton


def test_group_rows_without_a_row_for_everyone_leave_others_allowed(tryton_sqlite_db):
    url = tryton_sqlite_db
    write(
        url,
        (
            'INSERT INTO ir_model_access (model, "group", perm_read, perm_write, perm_create, '
            "perm_delete, active, create_date, create_uid) "
            "VALUES ('party.party', ?, 1, 0, 0, 0, 1, '2026-01-01 00:00:00', 0)",
            (group_id(url, "Sales"),),
        ),
    )
    access = access_of(url)
    sales = access.holder_for([(group_id(url, "Sales"), None)])
    outsider = access.holder_for([(group_id(url, "Stock"), None)])
    assert access.model_perms(sales, "party.party") == "r"  # their row applies: read only
    assert access.model_perms(outsider, "party.party") == "rwcd"  # no row applies: open
    assert access.model_holders("party.party", "w") >= {user_id(url, "liu.yang")}


def test_a_group_brings_its_ancestors_with_the_path(tryton_sqlite_db):
    access = access_of(tryton_sqlite_db)
    sun_li = access.user_holder(access.logins["sun.li"])
    accounting = access.find_group("account.group_account")
    paths = sun_li.groups[accounting]
    assert any(p.member_of == access.find_group("account.group_account_admin") for p in paths)


def test_role_validity_dates_decide(tryton_sqlite_db):
    url = tryton_sqlite_db
    uid = user_id(url, "zhao.min")
    write(
        url,
        ("UPDATE res_user_role SET from_date = '2027-06-01 00:00:00' WHERE \"user\" = ?", (uid,)),
    )
    # The sync has not run: Tryton still holds the materialised group row, which is reported
    # as direct (transient: the next sync removes it) and counts today, as in Tryton.
    document = document_of(url)
    today = AccessModel(document)
    holder = today.user_holder(uid)
    accounting = today.find_group("account.group_account")
    assert [p.transient for p in holder.groups[accounting]] == [True]
    # Once the sync ran (no materialised row), only a date inside the role's validity counts.
    write(url, ('DELETE FROM "res_user-res_group" WHERE "user" = ?', (uid,)))
    document = document_of(url)
    assert accounting not in AccessModel(document).user_holder(uid).groups
    later = AccessModel(document, at=dt.datetime(2027, 7, 1, tzinfo=dt.UTC))
    assert [p.role for p in later.user_holder(uid).groups[accounting]] == [
        later.find_role("Accountant")
    ]


@pytest.mark.parametrize(
    ("login", "button", "allowed"),
    [
        ("zhou.qiang", ("purchase.purchase", "confirm"), True),  # write through role Buyer
        ("zhao.min", ("purchase.purchase", "confirm"), False),  # read only: no write
        ("zhou.qiang", ("purchase.purchase", "process"), True),  # Purchase Administrator
        ("zhao.min", ("purchase.purchase", "manual_invoice"), True),  # a button group, no write
        ("liu.yang", ("account.invoice", "post"), False),  # cannot even read invoices
    ],
)
def test_buttons_follow_groups_else_write(tryton_sqlite_db, login, button, allowed):
    access = access_of(tryton_sqlite_db)
    holder = access.user_holder(access.logins[login])
    assert bool(access.button_sources(holder, *button)) is allowed
    assert (access.logins[login] in access.button_holders(*button)) is allowed


def test_the_set_form_agrees_with_the_per_user_form(tryton_sqlite_db):
    access = access_of(tryton_sqlite_db)
    for model in MODELS:
        for op in "rwcd":
            by_user = {
                uid
                for uid in access.evaluated_users()
                if access.model_sources(access.user_holder(uid), model, op)
            }
            assert access.model_holders(model, op) == by_user, (model, op)
