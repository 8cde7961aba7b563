"""The Tryton adapter on real Tryton databases, the same tests on SQLite and on PostgreSQL.

Every expectation is computed independently with plain SQL on the same database, so the tests
check what a user would check ("the adapter says 3 sales: does the database hold 3 sales?").
"""

from __future__ import annotations

import datetime as dt
import types
from collections import Counter
from decimal import Decimal

import pytest

from erpkeeper.demo import catalog
from erpkeeper.targets.adapters.base import DOCUMENT_KINDS, AdapterError
from erpkeeper.targets.adapters.tryton import TrytonAdapter
from erpkeeper.targets.adapters.tryton import documents as documents_module
from tests.fixtures import adapters as support
from tests.fixtures.adapters import break_data, is_sqlite, plain, plain_dt, plain_scalar

# fixtures (pytest finds them as attributes of this module)
erp_url = support.erp_url


@pytest.fixture
def adapter(erp_url):
    with TrytonAdapter(erp_url) as opened:
        yield opened


def by_name(adapter) -> dict[str, int]:
    return {group.name: group.id for group in adapter.groups()}


# ------------------------------------------------------------------ description and counts


def test_describe_reports_version_modules_engine_and_size(adapter, erp_url):
    description = adapter.describe()
    assert description.erp_kind == "tryton"
    assert description.erp_version == "8.2"
    assert description.erp_version == plain_scalar(erp_url, "SELECT series FROM ir_configuration")
    activated = {n for (n,) in plain(erp_url, "SELECT name FROM ir_module WHERE state='activated'")}
    assert set(description.modules) == activated
    assert {"ir", "res", "sale", "purchase", "account_invoice", "stock"} <= activated
    assert description.modules == sorted(description.modules)
    assert description.db_engine == ("sqlite" if erp_url.startswith("sqlite") else "postgresql")
    assert description.db_engine_version[0].isdigit()
    assert description.db_size_bytes > 1_000_000
    assert description.database in erp_url
    assert "@" not in description.database and ":" not in description.database


def test_counts_equal_plain_sql_counts(adapter, erp_url):
    counts = adapter.counts()
    expected = {
        "users": "SELECT COUNT(*) FROM res_user WHERE id <> 0",
        "parties": "SELECT COUNT(*) FROM party_party",
        "products": "SELECT COUNT(*) FROM product_product",
        "sales": "SELECT COUNT(*) FROM sale_sale",
        "purchases": "SELECT COUNT(*) FROM purchase_purchase",
        "invoices": "SELECT COUNT(*) FROM account_invoice",
        "shipments_out": "SELECT COUNT(*) FROM stock_shipment_out",
        "stock_moves": "SELECT COUNT(*) FROM stock_move",
        "account_moves": "SELECT COUNT(*) FROM account_move",
    }
    for key, sql in expected.items():
        assert counts[key] == plain_scalar(erp_url, sql), key
    size = catalog.SIZES["small"]  # the size of the demo in tests/fixtures/tryton.py
    assert counts["sales"] == size.sales
    assert counts["purchases"] == size.purchases
    assert counts["users"] == len(catalog.PEOPLE) + 1  # + admin
    assert 0 < counts["active_users"] <= counts["users"]


# ------------------------------------------------------------------ security


def test_users_match_res_user_without_root(adapter, erp_url):
    users = adapter.users()
    rows = plain(erp_url, "SELECT id, login, active FROM res_user WHERE id <> 0 ORDER BY id")
    assert [(u.id, u.login, u.active) for u in users] == [(i, lg, bool(a)) for i, lg, a in rows]
    assert "root" not in {u.login for u in users}
    admin = next(u for u in users if u.login == "admin")
    assert admin.is_admin
    assert all(u.created is None or u.created.tzinfo is dt.UTC for u in users)


def test_last_login_is_the_latest_session(adapter, erp_url):
    sessions = plain(
        erp_url, "SELECT create_uid, MAX(create_date) FROM ir_session GROUP BY create_uid"
    )
    latest = {uid: plain_dt(value) for uid, value in sessions}
    assert latest, "the demo has logged-in users"
    for user in adapter.users():
        assert user.last_login == latest.get(user.id), user.login


def test_groups_and_roles_match_their_tables(adapter, erp_url):
    groups = adapter.groups()
    assert {(g.id, g.name) for g in groups} == set(plain(erp_url, "SELECT id, name FROM res_group"))
    assert all(g.active for g in groups)
    roles = adapter.roles()
    expected = Counter(r for (r,) in plain(erp_url, 'SELECT role FROM "res_role-res_group"'))
    assert {r.id: len(r.group_ids) for r in roles} == {
        rid: expected.get(rid, 0) for (rid,) in plain(erp_url, "SELECT id FROM res_role")
    }


def test_memberships_explain_every_group_row(adapter, erp_url):
    memberships = adapter.memberships()
    pairs = {(m.user_id, m.group_id) for m in memberships}
    for user_id, group_id in plain(erp_url, 'SELECT "user", "group" FROM "res_user-res_group"'):
        assert (user_id, group_id) in pairs
    role_rows = plain(
        erp_url,
        'SELECT ur."user", rg."group", ur.role FROM res_user_role ur '
        'JOIN "res_role-res_group" rg ON rg.role = ur.role',
    )
    via_role = {(m.user_id, m.group_id, m.via_role_id) for m in memberships if m.via_role_id}
    assert via_role == set(role_rows)
    # a group that a valid role grants is not reported a second time as a direct membership
    direct = {(m.user_id, m.group_id) for m in memberships if m.via_role_id is None}
    for user_id, group_id, _role in role_rows:
        assert (user_id, group_id) not in direct


def test_model_access_is_the_active_rules(adapter, erp_url):
    rules = adapter.model_access()
    assert len(rules) == plain_scalar(
        erp_url, "SELECT COUNT(*) FROM ir_model_access WHERE active = %s", (True,)
    )
    groups = by_name(adapter)
    sale = {
        (r.group_id, r.read, r.write, r.create, r.delete) for r in rules if r.model == "sale.sale"
    }
    assert (groups["Sales"], True, True, True, True) in sale
    assert (None, False, False, False, False) in sale  # nobody else may even read sales


def test_menu_access_has_readable_paths(adapter):
    groups = by_name(adapter)
    menus = {(m.menu_path, m.group_id) for m in adapter.menu_access()}
    assert ("Sales", groups["Sales"]) in menus
    assert ("Sales / Configuration", groups["Sales Administrator"]) in menus
    assert ("Financial / Configuration", groups["Accounting Administration"]) in menus


def test_button_access_lists_restricted_buttons(adapter):
    groups = by_name(adapter)
    buttons = {(b.model, b.button, b.group_id) for b in adapter.button_access()}
    assert ("sale.sale", "process", groups["Sales Administrator"]) in buttons
    assert ("account.invoice", "process", groups["Accounting Administration"]) in buttons


def test_groups_carry_their_xml_ids(adapter):
    xml_ids = {g.name: g.xml_id for g in adapter.groups()}
    assert xml_ids["Accounting"] == "account.group_account"
    assert xml_ids["Purchase Administrator"] == "purchase.group_purchase_admin"


def test_models_buttons_and_menus_are_every_one_the_erp_has(adapter, erp_url):
    models = adapter.models()
    assert len(models) == plain_scalar(erp_url, "SELECT COUNT(*) FROM ir_model")
    assert {"purchase.purchase", "account.invoice", "res.user"} <= set(models)
    assert "account.payment" not in models  # the demo lacks account_payment
    buttons = {(b.model, b.button) for b in adapter.buttons()}
    assert ("purchase.purchase", "confirm") in buttons  # open to who may write
    assert ("account.invoice", "post") in buttons
    menus = {m.path: m for m in adapter.menus()}
    assert menus["Sales / Configuration"].parent_id == menus["Sales"].id


def test_access_parents_and_defaults_come_from_tryton(adapter):
    assert adapter.model_parents()["purchase.line"] == ["purchase.purchase"]
    assert adapter.model_parents()["ir.model.access"] == ["ir.model"]
    assert adapter.model_defaults()["sale.configuration"] == "rw"  # a singleton


def test_record_rules_keep_their_domains_and_groups(adapter, erp_url):
    rules = adapter.record_rules()
    assert len(rules) == plain_scalar(erp_url, "SELECT COUNT(*) FROM ir_rule_group")
    menu_rule = next(r for r in rules if r.model == "ir.ui.menu")
    assert menu_rule.global_p and menu_rule.read and menu_rule.domains
    assert "groups" in menu_rule.domains[0]


def test_button_rules_and_api_keys_are_empty_in_the_demo(adapter):
    assert adapter.button_rules() == []
    assert adapter.api_keys() == []
    assert adapter.field_access()  # account module restricts some fields


def test_the_sod_conflict_user_holds_purchase_and_accounting_through_roles(adapter):
    groups = {g.id: g.name for g in adapter.groups()}
    roles = {r.id: r.name for r in adapter.roles()}
    (user,) = [u for u in adapter.users() if u.login == catalog.SOD_CONFLICT_LOGIN]
    person = next(p for p in catalog.PEOPLE if p.login == user.login)
    mine = [m for m in adapter.memberships() if m.user_id == user.id]
    assert {(groups[m.group_id], roles[m.via_role_id]) for m in mine} == {
        (group, role) for role in person.roles for group in catalog.ROLES[role]
    }
    assert all(m.via_role_id is not None for m in mine)  # nothing given directly
    assert {"Purchase", "Accounting"} <= {groups[m.group_id] for m in mine}


def test_dormant_and_departed_users_are_visible(adapter):
    users = {u.login: u for u in adapter.users()}
    now = dt.datetime.now(dt.UTC)
    for person in catalog.PEOPLE:
        user = users[person.login]
        assert user.active == person.active, person.login
        if person.never_logged_in:
            assert user.last_login is None, person.login
        elif person.last_login_days_ago:
            idle = now - user.last_login
            assert idle >= dt.timedelta(days=person.last_login_days_ago - 2), person.login
    assert set(catalog.DORMANT_LOGINS) <= {login for login, u in users.items() if u.active}


# ------------------------------------------------------------------ logins


def test_logins_merge_sessions_and_failed_attempts_in_time_order(adapter, erp_url):
    stream = adapter.logins()
    assert isinstance(stream, types.GeneratorType)
    logins = list(stream)
    assert sum(e.success for e in logins) == plain_scalar(
        erp_url, "SELECT COUNT(*) FROM ir_session"
    )
    assert sum(not e.success for e in logins) == plain_scalar(
        erp_url, "SELECT COUNT(*) FROM res_user_login_attempt"
    )
    assert [e.time for e in logins] == sorted(e.time for e in logins)
    assert all(e.time.tzinfo is dt.UTC for e in logins)
    users = {u.id: u.login for u in adapter.users()}
    for event in logins:
        if event.success:
            assert users[event.user_id] == event.login


def test_a_password_guessing_burst_shows_as_failed_logins(adapter):
    users = {u.login: u.id for u in adapter.users()}
    burst = [e for e in adapter.logins() if e.ip_address == "203.0.113.45"]
    assert burst and not any(e.success for e in burst)
    assert sum(e.login == "admin" for e in burst) == 12
    assert all(e.user_id == users["admin"] for e in burst if e.login == "admin")
    assert all(e.user_id is None for e in burst if e.login not in users)


def test_logins_since_keeps_later_ones(adapter):
    logins = list(adapter.logins())
    middle = logins[len(logins) // 2].time
    later = list(adapter.logins(since=middle))
    assert later == [e for e in logins if e.time >= middle]
    naive = middle.replace(tzinfo=None)  # naive means UTC
    assert list(adapter.logins(since=naive)) == later


# ------------------------------------------------------------------ documents


TABLES = {
    "sale": "sale_sale",
    "purchase": "purchase_purchase",
    "shipment_out": "stock_shipment_out",
    "shipment_in": "stock_shipment_in",
    "invoice": "account_invoice",
    "stock_move": "stock_move",
    "account_move": "account_move",
}


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_documents_stream_every_record_in_creation_order(adapter, erp_url, kind):
    stream = adapter.documents(kind)
    assert isinstance(stream, types.GeneratorType)
    docs = list(stream)
    rows = plain(erp_url, f"SELECT id, state FROM {TABLES[kind]} ORDER BY create_date, id")
    assert [(d.id, d.state) for d in docs] == [tuple(r) for r in rows]
    assert all(d.kind == kind for d in docs)
    assert all(d.created is not None and d.created.tzinfo is dt.UTC for d in docs)
    assert all(isinstance(d.amount, Decimal | type(None)) for d in docs)
    for doc in docs:
        assert doc.as_dict()["kind"] == kind  # serialisable


def test_sale_amounts_and_links(adapter, erp_url):
    sales = list(adapter.documents("sale"))
    amounts = dict(plain(erp_url, "SELECT id, total_amount_cache FROM sale_sale"))
    for sale in sales:
        expected = amounts[sale.id]
        assert sale.amount == (None if expected is None else Decimal(str(_text(expected))))
    invoices = plain(
        erp_url,
        "SELECT DISTINCT sl.sale, il.invoice FROM account_invoice_line il "
        "JOIN sale_line sl ON il.origin = 'sale.line,' || CAST(sl.id AS VARCHAR) "
        "WHERE il.invoice IS NOT NULL",
    )
    shipments = plain(
        erp_url,
        "SELECT DISTINCT sl.sale, m.shipment FROM stock_move m "
        "JOIN sale_line sl ON m.origin = 'sale.line,' || CAST(sl.id AS VARCHAR) "
        "WHERE m.shipment LIKE %s",
        ("stock.shipment.out,%",),
    )
    expected_invoices = Counter()
    for sale_id, invoice_id in invoices:
        expected_invoices[(sale_id, f"invoice:{invoice_id}")] += 1
    got_invoices = Counter((s.id, link) for s in sales for link in s.links["invoices"])
    assert got_invoices == expected_invoices
    assert expected_invoices, "the demo has invoiced sales"
    got_shipments = {(s.id, link) for s in sales for link in s.links["shipments"]}
    assert got_shipments == {
        (sale_id, "shipment_out:" + ref.split(",")[1]) for sale_id, ref in shipments
    }


def test_invoice_links_lead_back_to_sales_and_moves(adapter, erp_url):
    invoices = {d.id: d for d in adapter.documents("invoice")}
    sales = {d.id: d for d in adapter.documents("sale")}
    for sale in sales.values():
        for link in sale.links["invoices"]:
            assert f"sale:{sale.id}" in invoices[int(link.split(":")[1])].links["sales"]
    moves = dict(plain(erp_url, "SELECT id, move FROM account_invoice"))
    for invoice in invoices.values():
        if moves[invoice.id] is not None:
            assert f"account_move:{moves[invoice.id]}" in invoice.links["account_moves"]
        assert invoice.extra["type"] in {"in", "out"}


def test_account_move_amount_is_the_sum_of_debits(adapter, erp_url):
    debits = {}
    for move_id, debit in plain(erp_url, "SELECT move, debit FROM account_move_line"):
        debits[move_id] = debits.get(move_id, Decimal(0)) + Decimal(_text(debit))
    moves = list(adapter.documents("account_move"))
    assert moves
    for move in moves:
        assert move.amount == debits.get(move.id)


def test_documents_are_batched_without_changing_the_result(adapter, monkeypatch):
    whole = [d.as_dict() for d in adapter.documents("stock_move")]
    monkeypatch.setattr(documents_module, "BATCH_SIZE", 2)
    assert [d.as_dict() for d in adapter.documents("stock_move")] == whole


def test_documents_since_returns_changed_ones(adapter):
    sales = list(adapter.documents("sale"))
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)
    assert list(adapter.documents("sale", since=future)) == []
    past = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert [d.id for d in adapter.documents("sale", since=past)] == [d.id for d in sales]


def test_an_unknown_document_kind_is_an_error(adapter):
    with pytest.raises(AdapterError, match="unknown document kind"):
        list(adapter.documents("banana"))


# ------------------------------------------------------------------ events


def test_events_are_the_model_log_plus_creations_in_time_order(adapter, erp_url):
    events = list(adapter.events())
    assert [e.time for e in events] == sorted(e.time for e in events)
    logged = [e for e in events if e.kind != "create"]
    assert len(logged) == plain_scalar(erp_url, "SELECT COUNT(*) FROM ir_model_log")
    created = {e.resource for e in events if e.kind == "create"}
    for (sale_id,) in plain(erp_url, "SELECT id FROM sale_sale"):
        assert f"sale.sale,{sale_id}" in created
    confirmed = plain(
        erp_url,
        "SELECT resource FROM ir_model_log WHERE event = 'transition' AND target = %s",
        ("state:confirmed",),
    )
    got = {e.resource for e in logged if e.kind == "transition" and e.detail == "state:confirmed"}
    assert got == {r for (r,) in confirmed}


def test_events_since(adapter):
    events = list(adapter.events())
    middle = events[len(events) // 2].time
    assert list(adapter.events(since=middle)) == [e for e in events if e.time >= middle]


# ------------------------------------------------------------------ invariants


def test_invariants_pass_on_a_healthy_erp(adapter):
    results = adapter.invariants()
    names = {r.name for r in results}
    assert {
        "posted_moves_balance",
        "stock_move_products_exist",
        "sale_invoice_lines_point_to_sale_lines",
        "sale_lines_belong_to_sales",
        "invoice_lines_belong_to_invoices",
    } <= names
    for result in results:
        assert result.passed, result
        assert result.failed == 0 and result.examples == []
    by = {r.name: r for r in results}
    assert by["posted_moves_balance"].checked > 0
    assert by["sale_invoice_lines_point_to_sale_lines"].checked > 0


BREAKS = {
    # invariant: (SQL finding the record to damage, UPDATE with {id}, example must name)
    "posted_moves_balance": (
        "SELECT l.id, l.move FROM account_move_line l JOIN account_move m ON m.id = l.move "
        "WHERE m.state = 'posted' AND CAST(l.debit AS REAL) > 0 ORDER BY l.id",
        "UPDATE account_move_line SET debit = 12345.67 WHERE id = {id}",
        "account.move,{ref}",
    ),
    "stock_move_products_exist": (
        "SELECT id, id FROM stock_move ORDER BY id",
        "UPDATE stock_move SET product = 999999 WHERE id = {id}",
        "stock.move,{ref}: product 999999",
    ),
    "sale_invoice_lines_point_to_sale_lines": (
        "SELECT id, id FROM account_invoice_line WHERE origin LIKE 'sale.line,%%' ORDER BY id",
        "UPDATE account_invoice_line SET origin = 'sale.line,999999' WHERE id = {id}",
        "account.invoice.line,{ref}: origin sale.line,999999",
    ),
    "sale_lines_belong_to_sales": (
        "SELECT id, id FROM sale_line ORDER BY id",
        "UPDATE sale_line SET sale = 999999 WHERE id = {id}",
        "sale.line,{ref}: sale 999999",
    ),
    "invoice_lines_belong_to_invoices": (
        "SELECT id, id FROM account_invoice_line WHERE invoice IS NOT NULL ORDER BY id",
        "UPDATE account_invoice_line SET invoice = 999999 WHERE id = {id}",
        "account.invoice.line,{ref}: invoice 999999",
    ),
    "done_stock_moves_have_effective_date": (
        "SELECT id, id FROM stock_move WHERE state = 'done' ORDER BY id",
        "UPDATE stock_move SET effective_date = NULL WHERE id = {id}",
        "stock.move,{ref}",
    ),
    "posted_invoices_have_moves": (
        "SELECT id, id FROM account_invoice WHERE state = 'posted' ORDER BY id",
        "UPDATE account_invoice SET move = 999999 WHERE id = {id}",
        "account.invoice,{ref}",
    ),
    "paid_invoices_are_reconciled": (
        "SELECT move, id FROM account_invoice WHERE state = 'paid' ORDER BY id",
        "UPDATE account_move_line SET reconciliation = NULL WHERE move = {id}",
        "account.invoice,{ref}",
    ),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_breaking_the_data_fails_exactly_that_invariant(erp_url, name):
    find, update, example = BREAKS[name]
    rows = plain(erp_url, find.replace("%%", "%") if is_sqlite(erp_url) else find)
    assert rows, f"the demo has data for {name}"
    record, ref = rows[0]
    break_data(erp_url, update.format(id=record))
    with TrytonAdapter(erp_url) as adapter:
        results = {r.name: r for r in adapter.invariants()}
    broken = results[name]
    assert not broken.passed
    assert broken.failed == 1
    assert broken.checked >= 1
    assert any(example.format(ref=ref) in text for text in broken.examples), broken.examples
    assert {r.name for r in results.values() if not r.passed} == {name}


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)
