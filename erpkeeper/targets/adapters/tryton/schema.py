"""What a Tryton database holds: the tables that prove it is Tryton, modules, references."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence

from erpkeeper.lib.i18n import gettext as _
from erpkeeper.targets.adapters.base import NotAnErpDatabase
from erpkeeper.targets.adapters.sql import ReadOnlyConnection

# Tables every Tryton database has, whatever its modules (trytond's ir and res).
CORE_TABLES = ("ir_module", "ir_model", "ir_configuration", "res_user", "res_group")

# Tryton model name -> document kind used in ``Document.links`` ("<kind>:<id>").
MODEL_KINDS = {
    "sale.sale": "sale",
    "purchase.purchase": "purchase",
    "stock.shipment.out": "shipment_out",
    "stock.shipment.out.return": "shipment_out_return",
    "stock.shipment.in": "shipment_in",
    "stock.shipment.in.return": "shipment_in_return",
    "stock.shipment.internal": "shipment_internal",
    "account.invoice": "invoice",
    "stock.move": "stock_move",
    "account.move": "account_move",
}

# Values per IN (...) list: SQLite before 3.32 allowed only 999 parameters per statement.
IN_LIST_SIZE = 5000 if sqlite3.sqlite_version_info >= (3, 32) else 900


def check_tryton(db: ReadOnlyConnection) -> None:
    """Raise NotAnErpDatabase unless ``db`` is an initialised Tryton database."""
    where = db.location
    if not db.columns:
        raise NotAnErpDatabase(
            _("%(where)s is empty (no tables): it is not a Tryton database") % {"where": where}
        )
    missing = [table for table in CORE_TABLES if not db.has_table(table)]
    if missing:
        raise NotAnErpDatabase(
            _("%(where)s is not a Tryton database: table(s) %(tables)s missing")
            % {"where": where, "tables": ", ".join(missing)}
        )
    if not db.scalar("SELECT COUNT(*) FROM ir_module WHERE name = %s", ("ir",)):
        raise NotAnErpDatabase(
            _(
                "%(where)s has Tryton tables but no 'ir' module: it was never initialised "
                "(run trytond-admin --all)"
            )
            % {"where": where}
        )


def activated_modules(db: ReadOnlyConnection) -> list[str]:
    rows = db.execute("SELECT name FROM ir_module WHERE state = %s ORDER BY name", ("activated",))
    return [name for (name,) in rows]


def parse_reference(value) -> tuple[str, int] | None:
    """``'sale.line,12'`` -> ``('sale.line', 12)``; None for empty or malformed references."""
    if not value or not isinstance(value, str) or "," not in value:
        return None
    model, _comma, rid = value.partition(",")
    if not rid.isdigit():
        return None
    return model, int(rid)


def link(reference) -> str | None:
    """A Tryton reference as a document link ``'<kind>:<id>'`` (None if not a document)."""
    parsed = parse_reference(reference)
    if parsed is None or parsed[0] not in MODEL_KINDS:
        return None
    return f"{MODEL_KINDS[parsed[0]]}:{parsed[1]}"


def chunked(values: Iterable, size: int = IN_LIST_SIZE) -> Iterator[list]:
    chunk: list = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def select_in(
    db: ReadOnlyConnection, sql: str, values: Sequence, extra_params: Sequence = ()
) -> list[tuple]:
    """Run ``sql`` (with one ``IN ({ids})`` slot) for ``values`` in chunks; rows concatenated."""
    rows: list[tuple] = []
    for chunk in chunked(dict.fromkeys(values)):
        placeholders = ", ".join(["%s"] * len(chunk))
        rows.extend(db.execute(sql.replace("{ids}", placeholders), (*chunk, *extra_params)))
    return rows
