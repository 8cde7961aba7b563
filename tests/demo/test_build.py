"""The small demo ERP is a real, complete Tryton database (SQLite template, built once)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from erpkeeper.demo import DemoBuildError, DemoInputError, build_demo, catalog
from erpkeeper.demo.verify import check_invariants
from tests.fixtures.demo import READ_SALE  # noqa: F401

pytestmark = pytest.mark.slow


def query(path, sql, params=()):
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
        return conn.execute(sql, params).fetchall()


def scalar(path, sql, params=()):
    return query(path, sql, params)[0][0]


def by_state(path, sql):
    return dict(query(path, sql))


def test_sales_in_every_state_through_the_whole_flow(tryton_sqlite_template):
    path = tryton_sqlite_template
    sales = by_state(path, "SELECT state, COUNT(*) FROM sale_sale GROUP BY state")
    assert 25 <= sum(sales.values()) <= 40
    assert sales["done"] >= 10
    for state in ("draft", "quotation", "processing", "cancelled"):
        assert sales.get(state, 0) >= 1, state
    invoices = by_state(
        path, "SELECT state, COUNT(*) FROM account_invoice WHERE type = 'out' GROUP BY state"
    )
    assert invoices["paid"] == sales["done"]
    assert invoices.get("posted", 0) >= 1  # awaiting payment
    assert invoices.get("draft", 0) >= 1  # shipped, not invoiced yet
    shipments = by_state(path, "SELECT state, COUNT(*) FROM stock_shipment_out GROUP BY state")
    assert shipments["done"] >= sales["done"]
    assert shipments.get("waiting", 0) >= 1
    assert scalar(path, "SELECT COUNT(*) FROM sale_line") >= 3 * sum(sales.values())
    # People did the work: quoted/confirmed/shipped/posted by employees.
    assert not scalar(
        path,
        "SELECT COUNT(*) FROM sale_sale WHERE state IN ('processing', 'done') "
        "AND (confirmed_by IS NULL OR quoted_by IS NULL)",
    )
    assert not scalar(
        path, "SELECT COUNT(*) FROM stock_shipment_out WHERE state = 'done' AND done_by IS NULL"
    )
    assert not scalar(
        path,
        "SELECT COUNT(*) FROM account_invoice WHERE state IN ('posted', 'paid') "
        "AND posted_by IS NULL",
    )


def test_purchases_received_and_supplier_invoices_booked(tryton_sqlite_template):
    path = tryton_sqlite_template
    purchases = by_state(path, "SELECT state, COUNT(*) FROM purchase_purchase GROUP BY state")
    assert 8 <= sum(purchases.values()) <= 16
    assert purchases["done"] >= 3
    assert purchases.get("cancelled", 0) >= 1
    assert purchases.get("processing", 0) >= 1
    assert purchases.get("quotation", 0) + purchases.get("draft", 0) >= 1
    supplier = by_state(
        path, "SELECT state, COUNT(*) FROM account_invoice WHERE type = 'in' GROUP BY state"
    )
    assert supplier["paid"] >= 3 and supplier.get("posted", 0) >= 1
    assert by_state(path, "SELECT state, COUNT(*) FROM stock_shipment_in GROUP BY state")["done"]


def groups_of(path, login):
    rows = query(
        path,
        'SELECT g.name FROM res_user u JOIN "res_user-res_group" ug ON ug."user" = u.id '
        'JOIN res_group g ON g.id = ug."group" WHERE u.login = ?',
        (login,),
    )
    return {name for (name,) in rows}


def test_users_roles_and_the_segregation_of_duties_conflict(tryton_sqlite_template):
    path = tryton_sqlite_template
    users = dict(query(path, "SELECT login, active FROM res_user WHERE login <> 'root'"))
    assert len(users) >= 10
    assert all(users[p.login] == int(p.active) for p in catalog.PEOPLE)
    assert scalar(path, "SELECT COUNT(*) FROM res_role") == len(catalog.ROLES)
    assert scalar(path, "SELECT COUNT(*) FROM res_user_role") >= 5
    assert "Sales" in groups_of(path, "zhang.wei")  # through the Sales Representative role
    assert "Sales Administrator" in groups_of(path, "wang.fang")  # given directly
    # The conflict: one person buys, approves, books and pays supplier invoices.
    conflict = groups_of(path, catalog.SOD_CONFLICT_LOGIN)
    assert {"Purchase", "Purchase Administrator", "Accounting"} <= conflict
    (user_id,) = query(path, "SELECT id FROM res_user WHERE login = ?", ("zhou.qiang",))[0]
    events = {
        (event, target)
        for event, target in query(
            path,
            'SELECT g.event, g.target FROM ir_model_log g WHERE g."user" = ? AND ('
            "g.resource LIKE 'purchase.purchase,%' OR g.resource LIKE 'account.invoice,%')",
            (user_id,),
        )
    }
    assert ("button", "confirm") in events
    assert ("button", "post") in events
    assert ("wizard", "account.invoice.pay:choice") in events
    # Every login of a user who works with documents is linked to an employee.
    assert not scalar(
        path,
        "SELECT COUNT(*) FROM res_user WHERE login <> 'root' "
        "AND login <> 'admin' AND employee IS NULL",
    )


def test_login_history_with_dormant_accounts(tryton_sqlite_template, tryton_template_info):
    path = tryton_sqlite_template
    anchor = dt.date.fromisoformat(tryton_template_info["anchor"])
    last = dict(
        query(
            path,
            "SELECT u.login, MAX(s.create_date) FROM res_user u "
            "LEFT JOIN ir_session s ON s.create_uid = u.id GROUP BY u.login",
        )
    )
    # Dormant: active, but no login for months (huang.lei) or never (xu.jing).
    assert last["xu.jing"] is None
    assert dt.datetime.fromisoformat(last["huang.lei"]).date() < anchor - dt.timedelta(days=200)
    assert dt.datetime.fromisoformat(last["zhang.wei"]).date() > anchor - dt.timedelta(days=10)
    assert scalar(path, "SELECT COUNT(*) FROM ir_session") > 1000
    failed = query(path, "SELECT login, ip_address FROM res_user_login_attempt")
    assert sum(1 for login, ip in failed if login == "admin" and ip.startswith("203.")) >= 10


def test_history_follows_office_hours(tryton_sqlite_template, tryton_template_info):
    path = tryton_sqlite_template
    hours = [
        dt.datetime.fromisoformat(moment).hour
        for (moment,) in query(path, "SELECT create_date FROM ir_model_log")
    ]
    confirmations = [
        dt.datetime.fromisoformat(moment)
        for (moment,) in query(
            path,
            "SELECT create_date FROM ir_model_log WHERE event = 'button' AND target = 'confirm'",
        )
    ]
    night = sum(1 for h in hours if h < 6)
    office = sum(1 for h in hours if 9 <= h < 18)
    assert night * 20 < office
    assert sum(1 for m in confirmations if m.hour < 6) * 5 < sum(
        1 for m in confirmations if 9 <= m.hour < 18
    )
    # Everything happened before the anchor day and after go-live a year earlier.
    anchor = tryton_template_info["anchor"]
    start = (dt.date.fromisoformat(anchor) - dt.timedelta(days=380)).isoformat()
    for table in ("sale_sale", "stock_move", "account_move", "ir_model_log", "res_user"):
        assert not scalar(
            path,
            f"SELECT COUNT(*) FROM {table} WHERE create_date >= ? OR create_date < ?",
            (anchor, start),
        ), table


def test_invariants_hold(tryton_sqlite_db):
    assert {k: v for k, v in check_invariants(tryton_sqlite_db).items() if v} == {}


def test_tryton_opens_the_database_and_reads_a_sale(
    tryton_sqlite_db, tryton_admin_password, tmp_path
):
    path = Path(tryton_sqlite_db.removeprefix("sqlite:///"))
    conf = tmp_path / "trytond.conf"
    conf.write_text(f"[database]\nuri = sqlite://\npath = {path.parent}\n")
    script = tmp_path / "read_sale.py"
    script.write_text(READ_SALE)
    numbers = [n for (n,) in query(path, "SELECT number FROM sale_sale WHERE number IS NOT NULL")]
    result = subprocess.run(
        [sys.executable, str(script), path.stem, str(conf), tryton_admin_password],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["count"] >= 10 and out["lines"] >= 1
    assert out["invoice"] == ["paid"] and out["shipment"] == ["done"]
    assert out["admin_login"] is True
    # Numbering goes on after the history.
    assert out["new_number"] not in numbers
    assert out["new_number"] > max(numbers)


def test_refuses_to_overwrite_an_existing_tryton_database(tryton_sqlite_db):
    path = Path(tryton_sqlite_db.removeprefix("sqlite:///"))
    before = path.stat().st_mtime_ns, path.stat().st_size
    with pytest.raises(DemoBuildError, match="already holds a Tryton database"):
        build_demo(tryton_sqlite_db)
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before


def test_bad_requests_fail_fast_with_one_line(tmp_path):
    with pytest.raises(DemoInputError, match="Unknown size"):
        build_demo(f"sqlite:///{tmp_path}/x.sqlite", size="huge")
    with pytest.raises(DemoInputError, match="SQLite or PostgreSQL"):
        build_demo("mysql://root@127.0.0.1/erp")
    with pytest.raises(DemoInputError, match=r"\.sqlite"):
        build_demo(f"sqlite:///{tmp_path}/erp.db")
    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    with pytest.raises(DemoBuildError, match="not empty"):
        build_demo(f"sqlite:///{other}")
    with pytest.raises(DemoBuildError, match="Cannot reach PostgreSQL") as info:
        build_demo("postgresql://postgres@127.0.0.1:1/ek_nowhere")
    assert "\n" not in str(info.value)


def test_a_failed_build_leaves_nothing_behind(tmp_path):
    target = tmp_path / "half.sqlite"
    with pytest.raises(DemoBuildError, match="no result after"):
        build_demo(f"sqlite:///{target}", timeout=3)
    assert not target.exists()
