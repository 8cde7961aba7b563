"""The Tryton adapter on PostgreSQL: a read-only session, and the same answers as on SQLite."""

from __future__ import annotations

import itertools

import psycopg
import pytest

from erpkeeper.targets.adapters.sql import PostgresConnection
from erpkeeper.targets.adapters.tryton import TrytonAdapter
from tests.fixtures import adapters as support
from tests.fixtures.adapters import plain_scalar

# fixtures (pytest finds them as attributes of this module)
postgres_erp_url = support.postgres_erp_url
sqlite_erp_url = support.sqlite_erp_url

pytestmark = pytest.mark.postgres


def test_the_session_refuses_writes(postgres_erp_url):
    with TrytonAdapter(postgres_erp_url) as adapter:
        adapter.describe()
        connection = adapter.db
        assert isinstance(connection, PostgresConnection)
        raw = connection.raw
        assert raw.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        assert raw.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        assert raw.execute("SHOW statement_timeout").fetchone()[0] != "0"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            raw.execute("UPDATE res_user SET name = 'hacked'")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            raw.execute("CREATE TABLE ek_probe (id integer)")
        with raw.transaction(), pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            raw.execute("DELETE FROM sale_sale")
    assert (
        plain_scalar(postgres_erp_url, "SELECT COUNT(*) FROM res_user WHERE name = 'hacked'") == 0
    )


def test_streams_can_interleave(postgres_erp_url):
    """Server-side cursors: reading one stream while running other queries and streams."""
    with TrytonAdapter(postgres_erp_url) as adapter:
        expected_sales = [d.id for d in adapter.documents("sale")]
        expected_moves = [d.id for d in adapter.documents("stock_move")]
        sales, moves = [], []
        move_stream = adapter.documents("stock_move")
        for sale in adapter.documents("sale"):
            sales.append(sale.id)
            adapter.users()
            moves.extend(m.id for m in itertools.islice(move_stream, 1))
        moves.extend(m.id for m in move_stream)
        assert sales == expected_sales
        assert moves == expected_moves


def test_an_abandoned_stream_does_not_block_the_connection(postgres_erp_url):
    with TrytonAdapter(postgres_erp_url) as adapter:
        stream = adapter.events()
        next(stream)
        stream.close()
        assert adapter.counts()["sales"] > 0
        held = adapter.db.raw.execute("SELECT COUNT(*) FROM pg_cursors").fetchone()[0]
        assert held == 0


def _projection(adapter: TrytonAdapter) -> dict:
    """What must be the same on both engines, without ids or times that differ per build."""
    groups = {g.id: g.name for g in adapter.groups()}
    users = {u.id: u.login for u in adapter.users()}
    description = adapter.describe()
    return {
        "version": description.erp_version,
        "modules": description.modules,
        "counts": adapter.counts(),
        "users": sorted((u.login, u.name, u.active, u.is_admin) for u in adapter.users()),
        "groups": sorted((g.name, g.active) for g in adapter.groups()),
        "memberships": sorted(
            (users[m.user_id], groups[m.group_id], m.via_role_id is not None)
            for m in adapter.memberships()
        ),
        "model_access": sorted(
            (a.model, groups.get(a.group_id, ""), a.read, a.write, a.create, a.delete)
            for a in adapter.model_access()
        ),
        "menus": sorted((m.menu_path, groups[m.group_id]) for m in adapter.menu_access()),
        "buttons": sorted((b.model, b.button, groups[b.group_id]) for b in adapter.button_access()),
        "logins": sorted((e.login, e.success, e.ip_address) for e in adapter.logins()),
        "documents": {
            kind: sorted(
                (d.number, d.state, str(d.amount), len(d.links.get("invoices", [])))
                for d in adapter.documents(kind)
            )
            for kind in ("sale", "purchase", "invoice", "shipment_out", "account_move")
        },
        "events": sorted((e.kind, e.resource.split(",")[0], e.detail) for e in adapter.events()),
        "invariants": [(r.name, r.passed, r.checked, r.failed) for r in adapter.invariants()],
    }


def test_sqlite_and_postgresql_give_the_same_answers(sqlite_erp_url, postgres_erp_url):
    with TrytonAdapter(sqlite_erp_url) as lite, TrytonAdapter(postgres_erp_url) as pg:
        on_sqlite, on_postgres = _projection(lite), _projection(pg)
    for key in on_sqlite:
        assert on_sqlite[key] == on_postgres[key], key
