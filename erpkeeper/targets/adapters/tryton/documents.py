"""Business documents of a Tryton database and their events, as normalised streams.

Documents are read with one streamed query per kind; their links are then looked up for each
batch of documents with set-based queries (``IN (...)``), never one query per document.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from erpkeeper.targets.adapters.base import DOCUMENT_KINDS, AdapterError, Document, Event
from erpkeeper.targets.adapters.sql import (
    ReadOnlyConnection,
    since_param,
    to_date,
    to_datetime,
    to_decimal,
)
from erpkeeper.targets.adapters.tryton.schema import (
    IN_LIST_SIZE,
    link,
    parse_reference,
    select_in,
)

# Documents whose links are looked up together. Some link columns have no index in Tryton
# (account_move.origin, account_invoice.move): each batch then scans the table once, so
# batches are as large as one IN (...) list allows.
BATCH_SIZE = IN_LIST_SIZE


def _text(value):
    if isinstance(value, bytes):
        value = value.decode()
    return value if value is None else str(value)


def _number(value):
    return None if value is None else float(value)


def _int(value):
    return None if value is None else int(value)


@dataclass(frozen=True)
class DocumentSpec:
    """Where one document kind lives in Tryton and how its columns map to ``Document``."""

    kind: str
    model: str
    table: str
    module: str
    state: str = "state"
    number: str | None = "number"
    dates: tuple[str, ...] = ()
    party: str | None = None
    amount: str | None = None
    extra: tuple[tuple[str, str, Callable], ...] = ()  # (key, column, converter)
    enrich: Callable[[ReadOnlyConnection, list[Document]], None] | None = None
    link_keys: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------- link helpers


def _sorted(values) -> list[str]:
    def key(value: str):
        kind, _, rid = value.partition(":")
        return (kind, int(rid) if rid.isdigit() else 0, rid)

    return sorted(set(values), key=key)


def _line_parents(db, line_table: str, parent: str, ids) -> dict[int, int]:
    """``{line id: parent id}`` for the lines of the given parents (e.g. sale lines of sales)."""
    if not db.has_table(line_table):
        return {}
    rows = select_in(
        db, f'SELECT id, "{parent}" FROM {line_table} WHERE "{parent}" IN ({{ids}})', ids
    )
    return dict(rows)


def _parents_of_lines(db, line_table: str, parent: str, line_ids) -> dict[int, int]:
    """``{line id: parent id}`` for the given line ids."""
    if not db.has_table(line_table) or not line_ids:
        return {}
    return dict(
        select_in(db, f'SELECT id, "{parent}" FROM {line_table} WHERE id IN ({{ids}})', line_ids)
    )


def _documents_through_lines(db, origins_by_doc: dict[int, list[str]], targets: dict) -> dict:
    """Map each document to what references its lines: ``targets`` is {key: (table, column)}."""
    found: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    doc_of_origin = {o: doc for doc, origins in origins_by_doc.items() for o in origins}
    if not doc_of_origin:
        return found
    if db.has_table("stock_move") and "shipments" in targets:
        for origin, shipment in select_in(
            db,
            "SELECT origin, shipment FROM stock_move WHERE origin IN ({ids}) "
            "AND shipment IS NOT NULL",
            list(doc_of_origin),
        ):
            target = link(shipment)
            if target:
                found[doc_of_origin[origin]]["shipments"].add(target)
    if db.has_table("account_invoice_line") and "invoices" in targets:
        for origin, invoice in select_in(
            db,
            "SELECT origin, invoice FROM account_invoice_line WHERE origin IN ({ids}) "
            "AND invoice IS NOT NULL",
            list(doc_of_origin),
        ):
            found[doc_of_origin[origin]]["invoices"].add(f"invoice:{invoice}")
    return found


def _order_enricher(line_table: str, parent: str, line_model: str):
    """Sales and purchases: shipments and invoices reached through their lines' origins."""

    def enrich(db, docs: list[Document]) -> None:
        lines = _line_parents(db, line_table, parent, [d.id for d in docs])
        origins: dict[int, list[str]] = defaultdict(list)
        for line_id, doc_id in lines.items():
            origins[doc_id].append(f"{line_model},{line_id}")
        found = _documents_through_lines(db, origins, {"shipments": 1, "invoices": 1})
        for doc in docs:
            doc.links = {
                "shipments": _sorted(found.get(doc.id, {}).get("shipments", ())),
                "invoices": _sorted(found.get(doc.id, {}).get("invoices", ())),
            }

    return enrich


def _origins_to_orders(db, refs) -> dict[str, str]:
    """Line references (``sale.line,N`` / ``purchase.line,N``) -> order links (``sale:M``)."""
    by_model: dict[str, set[int]] = defaultdict(set)
    for ref in refs:
        parsed = parse_reference(ref)
        if parsed:
            by_model[parsed[0]].add(parsed[1])
    result: dict[str, str] = {}
    for model, table, parent, kind in (
        ("sale.line", "sale_line", "sale", "sale"),
        ("purchase.line", "purchase_line", "purchase", "purchase"),
    ):
        for line_id, order_id in _parents_of_lines(db, table, parent, by_model.get(model)).items():
            if order_id is not None:
                result[f"{model},{line_id}"] = f"{kind}:{order_id}"
    return result


def _shipment_enricher(model: str, order_key: str):
    """Shipments: their stock moves and the orders those moves come from."""

    def enrich(db, docs: list[Document]) -> None:
        refs = {f"{model},{d.id}": d for d in docs}
        moves: dict[int, set[str]] = defaultdict(set)
        origins: dict[int, set[str]] = defaultdict(set)
        if db.has_table("stock_move"):
            for shipment, move_id, origin in select_in(
                db,
                "SELECT shipment, id, origin FROM stock_move WHERE shipment IN ({ids})",
                list(refs),
            ):
                doc = refs[shipment]
                moves[doc.id].add(f"stock_move:{move_id}")
                if origin:
                    origins[doc.id].add(origin)
        orders = _origins_to_orders(db, {o for values in origins.values() for o in values})
        for doc in docs:
            doc.links = {
                order_key: _sorted(orders[o] for o in origins.get(doc.id, ()) if o in orders),
                "stock_moves": _sorted(moves.get(doc.id, ())),
            }

    return enrich


def _invoice_enrich(db, docs: list[Document]) -> None:
    origins: dict[int, set[str]] = defaultdict(set)
    for invoice_id, origin in select_in(
        db,
        "SELECT invoice, origin FROM account_invoice_line WHERE invoice IN ({ids}) "
        "AND origin IS NOT NULL",
        [d.id for d in docs],
    ):
        origins[invoice_id].add(origin)
    orders = _origins_to_orders(db, {o for values in origins.values() for o in values})
    moves: dict[int, set[str]] = defaultdict(set)
    for doc in docs:
        if doc.extra.get("move_id"):
            moves[doc.id].add(f"account_move:{doc.extra['move_id']}")
    if db.has_table("account_move"):
        refs = {f"account.invoice,{d.id}": d.id for d in docs}
        for move_id, origin in select_in(
            db, "SELECT id, origin FROM account_move WHERE origin IN ({ids})", list(refs)
        ):
            moves[refs[origin]].add(f"account_move:{move_id}")
    for doc in docs:
        found = [orders[o] for o in origins.get(doc.id, ()) if o in orders]
        doc.links = {
            "sales": _sorted(v for v in found if v.startswith("sale:")),
            "purchases": _sorted(v for v in found if v.startswith("purchase:")),
            "account_moves": _sorted(moves.get(doc.id, ())),
        }


def _stock_move_enrich(db, docs: list[Document]) -> None:
    orders = _origins_to_orders(db, {d.extra.get("origin") for d in docs} - {None})
    invoices: dict[int, set[str]] = defaultdict(set)
    if db.has_table("account_invoice_line-stock_move") and db.has_table("account_invoice_line"):
        for move_id, invoice_id in select_in(
            db,
            'SELECT x.stock_move, il.invoice FROM "account_invoice_line-stock_move" x '
            "JOIN account_invoice_line il ON il.id = x.invoice_line "
            "WHERE x.stock_move IN ({ids}) AND il.invoice IS NOT NULL",
            [d.id for d in docs],
        ):
            invoices[move_id].add(f"invoice:{invoice_id}")
    for doc in docs:
        shipment = link(doc.extra.get("shipment"))
        order = orders.get(doc.extra.get("origin"))
        doc.links = {
            "shipments": [shipment] if shipment else [],
            "sales": [order] if order and order.startswith("sale:") else [],
            "purchases": [order] if order and order.startswith("purchase:") else [],
            "invoices": _sorted(invoices.get(doc.id, ())),
        }


def _account_move_enrich(db, docs: list[Document]) -> None:
    debits: dict[int, object] = {}
    if db.has_table("account_move_line"):
        for move_id, debit in select_in(
            db,
            "SELECT move, debit FROM account_move_line WHERE move IN ({ids})",
            [d.id for d in docs],
        ):
            value = to_decimal(debit)
            if value is not None:
                debits[move_id] = value if move_id not in debits else debits[move_id] + value
    invoices: dict[int, set[str]] = defaultdict(set)
    if db.has_table("account_invoice"):
        for invoice_id, move_id in select_in(
            db, "SELECT id, move FROM account_invoice WHERE move IN ({ids})", [d.id for d in docs]
        ):
            invoices[move_id].add(f"invoice:{invoice_id}")
    for doc in docs:
        doc.amount = debits.get(doc.id)
        origin = link(doc.extra.get("origin"))
        if origin and origin.startswith("invoice:"):
            invoices[doc.id].add(origin)
        doc.links = {"invoices": _sorted(invoices.get(doc.id, ()))}


SPECS: dict[str, DocumentSpec] = {
    spec.kind: spec
    for spec in (
        DocumentSpec(
            kind="sale",
            model="sale.sale",
            table="sale_sale",
            module="sale",
            dates=("sale_date",),
            party="party",
            amount="total_amount_cache",
            extra=(
                ("invoice_state", "invoice_state", _text),
                ("shipment_state", "shipment_state", _text),
                ("untaxed_amount", "untaxed_amount_cache", to_decimal),
                ("reference", "reference", _text),
            ),
            enrich=_order_enricher("sale_line", "sale", "sale.line"),
        ),
        DocumentSpec(
            kind="purchase",
            model="purchase.purchase",
            table="purchase_purchase",
            module="purchase",
            dates=("purchase_date",),
            party="party",
            amount="total_amount_cache",
            extra=(
                ("invoice_state", "invoice_state", _text),
                ("shipment_state", "shipment_state", _text),
                ("untaxed_amount", "untaxed_amount_cache", to_decimal),
                ("reference", "reference", _text),
            ),
            enrich=_order_enricher("purchase_line", "purchase", "purchase.line"),
        ),
        DocumentSpec(
            kind="shipment_out",
            model="stock.shipment.out",
            table="stock_shipment_out",
            module="stock",
            dates=("effective_date", "planned_date"),
            party="customer",
            extra=(
                ("planned_date", "planned_date", to_date),
                ("effective_date", "effective_date", to_date),
            ),
            enrich=_shipment_enricher("stock.shipment.out", "sales"),
        ),
        DocumentSpec(
            kind="shipment_in",
            model="stock.shipment.in",
            table="stock_shipment_in",
            module="stock",
            dates=("effective_date", "planned_date"),
            party="supplier",
            extra=(
                ("planned_date", "planned_date", to_date),
                ("effective_date", "effective_date", to_date),
            ),
            enrich=_shipment_enricher("stock.shipment.in", "purchases"),
        ),
        DocumentSpec(
            kind="invoice",
            model="account.invoice",
            table="account_invoice",
            module="account_invoice",
            dates=("invoice_date", "accounting_date"),
            party="party",
            amount="total_amount_cache",
            extra=(
                ("type", "type", _text),
                ("untaxed_amount", "untaxed_amount_cache", to_decimal),
                ("tax_amount", "tax_amount_cache", to_decimal),
                ("move_id", "move", _int),
            ),
            enrich=_invoice_enrich,
        ),
        DocumentSpec(
            kind="stock_move",
            model="stock.move",
            table="stock_move",
            module="stock",
            number=None,
            dates=("effective_date", "planned_date"),
            extra=(
                ("product_id", "product", _int),
                ("quantity", "quantity", _number),
                ("from_location_id", "from_location", _int),
                ("to_location_id", "to_location", _int),
                ("unit_price", "unit_price", to_decimal),
                ("origin", "origin", _text),
                ("shipment", "shipment", _text),
            ),
            enrich=_stock_move_enrich,
        ),
        DocumentSpec(
            kind="account_move",
            model="account.move",
            table="account_move",
            module="account",
            dates=("date",),
            extra=(
                ("journal_id", "journal", _int),
                ("period_id", "period", _int),
                ("post_date", "post_date", to_date),
                ("origin", "origin", _text),
            ),
            enrich=_account_move_enrich,
        ),
    )
}
assert tuple(SPECS) == DOCUMENT_KINDS  # noqa: S101  (keep base and Tryton in step)


def available(db: ReadOnlyConnection, modules: set[str], spec: DocumentSpec) -> bool:
    return spec.module in modules and db.has_table(spec.table)


def _col(db, spec: DocumentSpec, column: str | None) -> str:
    if column and db.has_column(spec.table, column):
        return f'd."{column}"'
    return "NULL"


def documents(
    db: ReadOnlyConnection, modules: set[str], kind: str, since: dt.datetime | None = None
) -> Iterator[Document]:
    """Documents of ``kind`` created or changed since ``since``, in creation order."""
    spec = SPECS.get(kind)
    if spec is None:
        raise AdapterError(f"unknown document kind {kind!r} (known: {', '.join(DOCUMENT_KINDS)})")
    if not available(db, modules, spec):
        return
    dates = [f'd."{c}"' for c in spec.dates if db.has_column(spec.table, c)]
    date_sql = (
        ("COALESCE(" + ", ".join(dates) + ")" if len(dates) > 1 else dates[0]) if dates else "NULL"
    )
    columns = [
        "d.id",
        _col(db, spec, spec.number),
        _col(db, spec, spec.state),
        date_sql,
        "d.create_date",
        _col(db, spec, spec.party),
        _col(db, spec, spec.amount),
        *(_col(db, spec, column) for _key, column, _conv in spec.extra),
    ]
    sql = f"SELECT {', '.join(columns)} FROM {spec.table} d"
    params: list = []
    since = since_param(since)
    if since is not None:
        sql += " WHERE COALESCE(d.write_date, d.create_date) >= %s"
        params.append(since)
    sql += " ORDER BY d.create_date, d.id"
    batch: list[Document] = []
    for row in db.stream(sql, params):
        batch.append(_document(spec, row))
        if len(batch) >= BATCH_SIZE:
            yield from _finish(db, spec, batch)
            batch = []
    if batch:
        yield from _finish(db, spec, batch)


def _document(spec: DocumentSpec, row: tuple) -> Document:
    doc_id, number, state, date, created, party, amount, *extras = row
    return Document(
        kind=spec.kind,
        id=doc_id,
        number=_text(number) or "",
        state=_text(state) or "",
        date=to_date(date),
        created=to_datetime(created),
        party_id=party,
        amount=to_decimal(amount),
        extra={
            key: conv(value) for (key, _col, conv), value in zip(spec.extra, extras, strict=True)
        },
    )


def _finish(db, spec: DocumentSpec, batch: list[Document]) -> list[Document]:
    if spec.enrich is not None:
        spec.enrich(db, batch)
    return batch


# ---------------------------------------------------------------- events

# Creation is not logged by Tryton: it is read from the create_date of these records.
CREATE_SOURCES = (("res.user", "res_user", "res"),) + tuple(
    (spec.model, spec.table, spec.module) for spec in SPECS.values()
)


def events(
    db: ReadOnlyConnection, modules: set[str], since: dt.datetime | None = None
) -> Iterator[Event]:
    """``ir_model_log`` rows plus creations of users and documents, ordered by time."""
    since = since_param(since)
    branches, params = [], []

    def where(alias: str) -> str:
        if since is None:
            return ""
        params.append(since)
        return f" WHERE {alias}.create_date >= %s"

    for model, table, module in CREATE_SOURCES:
        if module in modules and db.has_table(table):
            branches.append(
                f"SELECT t.create_date, 0, '{model}', t.id, '{model}', 'create', '', t.create_uid "
                f"FROM {table} t{where('t')}"
            )
    if db.has_table("ir_model_log"):
        user = (
            'COALESCE(l."user", l.create_uid)'
            if db.has_column("ir_model_log", "user")
            else ("l.create_uid")
        )
        branches.append(
            f"SELECT l.create_date, 1, '', l.id, l.resource, l.event, l.target, {user} "
            f"FROM ir_model_log l{where('l')}"
        )
    if not branches:
        return
    sql = " UNION ALL ".join(branches) + " ORDER BY 1, 2, 3, 4"
    for created, rank, _key, rid, resource, kind, detail, user_id in db.stream(sql, params):
        yield Event(
            time=to_datetime(created),
            kind=_text(kind) or "",
            resource=f"{resource},{rid}" if rank == 0 else (_text(resource) or ""),
            detail=_text(detail) or "",
            user_id=user_id,
        )
