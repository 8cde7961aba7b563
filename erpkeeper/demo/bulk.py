"""The fast bulk path: thousands of documents cloned from the realistic core with SQL.

Clicking a sale through Tryton costs about a second of CPU, so medium and large demos
cannot go through the ORM. Instead every bulk document copies the rows that Tryton itself
wrote for a core document in the same final state (sale, lines, shipment, stock moves,
invoice, invoice lines, account moves and lines, reconciliation, payment, the event log)
and changes what differs: ids and references between the rows, party and addresses,
products, quantities and amounts, dates and timestamps (each one mapped through the phase
of the life cycle it belongs to), the people and their employees. Columns the cloner does
not know keep the value Tryton gave the template, so the rows stay what Tryton expects.

Afterwards all numbers (sales, purchases, shipments, invoices, account moves,
reconciliations) are given again in time order and the sequences moved past them, so Tryton
goes on numbering where the history stops.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
from collections import defaultdict
from decimal import Decimal

from erpkeeper.demo import catalog
from erpkeeper.demo.finalize import is_postgres
from erpkeeper.demo.timeline import Plan

CHUNK = 1000

KINDS = {
    "sale": {
        "header": "sale_sale",
        "line": "sale_line",
        "line_fk": "sale",
        "model": "sale.sale",
        "line_model": "sale.line",
        "shipment": "stock_shipment_out",
        "shipment_model": "stock.shipment.out",
        "party_columns": ("party", "invoice_party", "shipment_party"),
        "address_columns": ("invoice_address", "shipment_address"),
        "dates": {"quotation_date": "quote", "sale_date": "confirm"},
        "employees": {"quoted_by": "quote", "confirmed_by": "confirm"},
        "shipment_party": ("customer", "delivery_address"),
        "shipment_dates": {
            "planned_date": "confirm",
            "origin_planned_date": "confirm",
            "effective_date": "ship",
        },
        "shipment_employees": {
            "picked_by": "pick",
            "packed_by": "pack",
            "shipped_by": "ship",
            "done_by": "ship",
        },
        "move_dates": {
            "planned_date": "confirm",
            "origin_planned_date": "confirm",
            "effective_date": "ship",
        },
        "move2_dates": {
            "planned_date": "confirm",
            "origin_planned_date": "confirm",
            "effective_date": "pick",
        },
        "invoice_date": "post",
        "price": lambda spec: spec.list_price,
    },
    "purchase": {
        "header": "purchase_purchase",
        "line": "purchase_line",
        "line_fk": "purchase",
        "model": "purchase.purchase",
        "line_model": "purchase.line",
        "shipment": "stock_shipment_in",
        "shipment_model": "stock.shipment.in",
        "party_columns": ("party", "invoice_party"),
        "address_columns": ("invoice_address",),
        "dates": {"purchase_date": "confirm"},
        "employees": {"quoted_by": "quote", "confirmed_by": "confirm"},
        "shipment_party": ("supplier", "contact_address"),
        "shipment_dates": {"effective_date": "receive"},
        "shipment_employees": {"received_by": "receive", "done_by": "done"},
        "move_dates": {"effective_date": "receive"},
        "move2_dates": {"planned_date": "receive", "effective_date": "done"},
        "invoice_date": "done",
        "price": lambda spec: spec.cost_price,
    },
}
INVOICE_EMPLOYEES = {"posted_by": "post", "validated_by": "post"}


# --- reading the templates ---------------------------------------------------------------------
class Reader:
    def __init__(self, cursor, postgres: bool):
        self.cursor = cursor
        self.p = "%s" if postgres else "?"

    def rows(self, table: str, where: str, params=()) -> list[dict]:
        self.cursor.execute(f'SELECT * FROM "{table}" WHERE {where} ORDER BY id', params)
        names = [d[0] for d in self.cursor.description]
        return [dict(zip(names, row, strict=True)) for row in self.cursor.fetchall()]

    def one(self, table: str, where: str, params=()) -> dict | None:
        rows = self.rows(table, where, params)
        if len(rows) > 1:
            raise TemplateError(f"{table}: {len(rows)} rows where one was expected")
        return rows[0] if rows else None

    def columns(self, table: str) -> list[str]:
        self.cursor.execute(f'SELECT * FROM "{table}" WHERE 1 = 0')
        return [d[0] for d in self.cursor.description]


class TemplateError(Exception):
    pass


def ref_id(reference: str | None) -> int | None:
    return int(reference.split(",")[1]) if reference else None


class Template:
    """All rows Tryton wrote for one core document."""

    def __init__(self, reader: Reader, kind: str, record_id: int, plan: Plan):
        k = KINDS[kind]
        p = reader.p
        self.kind, self.plan = kind, plan
        self.header = reader.one(k["header"], f"id = {p}", (record_id,))
        lines = reader.rows(k["line"], f'"{k["line_fk"]}" = {p}', (record_id,))
        if not lines:
            raise TemplateError("template without lines")
        line = lines[0]
        self.line = line
        origin = f"{k['line_model']},{line['id']}"
        self.move = reader.one("stock_move", f"origin = {p}", (origin,))
        self.move2 = None
        self.shipment = None
        if self.move:
            self.move2 = reader.one(
                "stock_move", f"origin = {p}", (f"stock.move,{self.move['id']}",)
            )
            if self.move["shipment"]:
                self.shipment = reader.one(
                    k["shipment"], f"id = {p}", (ref_id(self.move["shipment"]),)
                )
        self.invoice_line = reader.one("account_invoice_line", f"origin = {p}", (origin,))
        self.invoice = self.link = self.move_line = self.account_move = None
        self.counterpart = self.pay_move = self.pay_line = self.cash_line = None
        self.pay_link = self.reconciliation = None
        if self.invoice_line:
            self.invoice = reader.one(
                "account_invoice", f"id = {p}", (self.invoice_line["invoice"],)
            )
            self.link = reader.one(
                "account_invoice_line-stock_move", f"invoice_line = {p}", (self.invoice_line["id"],)
            )
            self._read_accounting(reader)
        resources = [f"{k['model']},{record_id}"]
        if self.shipment:
            resources.append(f"{k['shipment_model']},{self.shipment['id']}")
        if self.invoice:
            resources.append(f"account.invoice,{self.invoice['id']}")
        marks = ", ".join([p] * len(resources))
        self.logs = reader.rows("ir_model_log", f"resource IN ({marks})", resources)
        self.phase_of = {moment: phase for phase, moment in plan.phases.items()}
        if plan.cancel_at:
            self.phase_of[plan.cancel_at] = "cancel"
        self.moments = sorted(self.phase_of)

    def _read_accounting(self, reader: Reader) -> None:
        p = reader.p
        invoice = self.invoice
        if not invoice["move"]:
            return
        self.account_move = reader.one("account_move", f"id = {p}", (invoice["move"],))
        lines = reader.rows("account_move_line", f"move = {p}", (invoice["move"],))
        origin = f"account.invoice.line,{self.invoice_line['id']}"
        self.move_line = next(line for line in lines if line["origin"] == origin)
        others = [
            line for line in lines if not (line["origin"] or "").startswith("account.invoice.line,")
        ]
        if len(others) != 1:
            raise TemplateError("invoice move with several counterparts")
        self.counterpart = others[0]
        self.pay_link = reader.one(
            "account_invoice-account_move_line", f"invoice = {p}", (invoice["id"],)
        )
        if self.pay_link:
            self.pay_line = reader.one("account_move_line", f"id = {p}", (self.pay_link["line"],))
            self.pay_move = reader.one("account_move", f"id = {p}", (self.pay_line["move"],))
            pay_lines = reader.rows("account_move_line", f"move = {p}", (self.pay_move["id"],))
            if len(pay_lines) != 2:
                raise TemplateError("payment move without exactly two lines")
            self.cash_line = next(line for line in pay_lines if line["id"] != self.pay_line["id"])
        if self.counterpart["reconciliation"]:
            self.reconciliation = reader.one(
                "account_move_reconciliation", f"id = {p}", (self.counterpart["reconciliation"],)
            )

    def phase(self, moment) -> str:
        """The life-cycle phase a template timestamp belongs to."""
        if moment in self.phase_of:
            return self.phase_of[moment]
        index = bisect.bisect_right(self.moments, moment)
        return self.phase_of[self.moments[max(0, index - 1)]]


# --- writing -----------------------------------------------------------------------------------
# Referenced rows first: PostgreSQL checks the foreign keys at each insert.
INSERT_ORDER = [
    "sale_sale",
    "purchase_purchase",
    "stock_shipment_out",
    "stock_shipment_in",
    "sale_line",
    "purchase_line",
    "account_move",
    "account_move_reconciliation",
    "account_invoice",
    "account_invoice_line",
    "stock_move",
    "account_move_line",
    "account_invoice_line-stock_move",
    "account_invoice-account_move_line",
    "ir_model_log",
]


class Writer:
    def __init__(self, cursor, database, connection, postgres: bool):
        self.cursor = cursor
        self.database = database
        self.connection = connection
        self.postgres = postgres
        self.reader = Reader(cursor, postgres)
        self.columns: dict[str, list[str]] = {}
        self.buffers: dict[str, list[tuple]] = defaultdict(list)
        self.next_ids: dict[str, int] = {}
        self.count: dict[str, int] = defaultdict(int)

    def new_id(self, table: str) -> int:
        if table not in self.next_ids:
            self.cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')
            self.next_ids[table] = self.cursor.fetchone()[0] + 1
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict) -> None:
        if table not in self.columns:
            self.columns[table] = self.reader.columns(table)
        self.buffers[table].append(tuple(row[c] for c in self.columns[table]))
        self.count[table] += 1

    def flush(self) -> None:
        mark = "%s" if self.postgres else "?"
        order = {table: n for n, table in enumerate(INSERT_ORDER)}
        for table in sorted(self.buffers, key=lambda t: order.get(t, len(order))):
            rows = self.buffers[table]
            if not rows:
                continue
            columns = self.columns[table]
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join([mark] * len(columns))
            self.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            rows.clear()

    def finish(self) -> None:
        self.flush()
        for table, value in self.next_ids.items():
            self.database.setnextid(self.connection, table, value)


# --- the master data the clones use ----------------------------------------------------------
class Context:
    def __init__(self, reader: Reader, master: dict):
        p = reader.p
        self.master = master
        self.users = {login: v["user"] for login, v in master["users"].items()}
        self.employees = {login: v["employee"] for login, v in master["users"].items()}
        self.addresses = {}
        for party_id in master["customers"] + master["suppliers"]:
            rows = reader.rows("party_address", f"party = {p}", (party_id,))
            self.addresses[party_id] = rows[0]["id"] if rows else None
        periods = reader.rows("account_period", "type = 'standard'")
        self.periods = sorted(
            (r["start_date"], r["end_date"], r["id"], r["fiscalyear"]) for r in periods
        )
        self.fiscalyears = {r["id"]: r for r in reader.rows("account_fiscalyear", "1 = 1")}
        self.invoice_sequences = {
            r["fiscalyear"]: r for r in reader.rows("account_fiscalyear_invoice_sequence", "1 = 1")
        }
        self.products = master["products"]

    def period(self, day: dt.date) -> tuple[int, int]:
        for start, end, period_id, fiscalyear in self.periods:
            if start <= day <= end:
                return period_id, fiscalyear
        raise TemplateError(f"no accounting period for {day}")


# --- cloning -----------------------------------------------------------------------------------
def quantize_like(value: Decimal, like) -> Decimal:
    if isinstance(like, Decimal):
        return value.quantize(like if like.as_tuple().exponent < 0 else Decimal("0.01"))
    return value.quantize(Decimal("0.01"))


class Cloner:
    def __init__(self, writer: Writer, ctx: Context):
        self.w = writer
        self.ctx = ctx

    def clone(self, tpl: Template, plan: Plan) -> None:
        w, ctx = self.w, self.ctx
        k = KINDS[tpl.kind]
        parties = ctx.master["customers" if tpl.kind == "sale" else "suppliers"]
        party = parties[plan.party]
        address = ctx.addresses[party]
        tpl_party = tpl.header["party"]
        tpl_address = tpl.header[k["address_columns"][0]]

        def when(value):
            if value is None:
                return None
            phase = tpl.phase(value)
            return plan.cancel_at if phase == "cancel" else plan.phases.get(phase, value)

        def day(value, phase=None):
            if value is None:
                return None
            if phase and phase in plan.phases and phase in tpl.plan.phases:
                return plan.phases[phase].date()
            # Same distance from the latest phase that precedes it (e.g. a due date).
            best = None
            for name, moment in tpl.plan.phases.items():
                if moment.date() <= value and (best is None or moment > tpl.plan.phases[best]):
                    best = name
            if best is None or best not in plan.phases:
                return value
            return plan.phases[best].date() + (value - tpl.plan.phases[best].date())

        def who(uid, moment):
            if uid in (None, 0, ctx.master["admin"]) or moment is None:
                return uid
            phase = tpl.phase(moment)
            login = plan.actors.get(phase) or plan.actors.get("create")
            return ctx.users.get(login, uid)

        def stamp(row: dict, template: dict) -> dict:
            row["create_date"] = when(template["create_date"])
            row["write_date"] = when(template["write_date"])
            row["create_uid"] = who(template["create_uid"], template["create_date"])
            row["write_uid"] = who(template["write_uid"], template["write_date"])
            return row

        def employees(row: dict, mapping: dict) -> None:
            for column, phase in mapping.items():
                if row.get(column) is not None:
                    login = plan.actors.get(phase) or plan.actors["create"]
                    row[column] = ctx.employees.get(login, row[column])

        def same_party(row: dict, columns) -> None:
            for column in columns:
                if column in row and row[column] is not None:
                    if row[column] == tpl_party:
                        row[column] = party
                    elif row[column] == tpl_address:
                        row[column] = address

        # Amounts.
        priced = []
        for product_index, quantity in plan.lines:
            spec = catalog.PRODUCTS[product_index]
            price = k["price"](spec)
            priced.append(
                (product_index, quantity, price, (price * quantity).quantize(Decimal("0.01")))
            )
        total = sum((amount for *_, amount in priced), Decimal(0))

        # Header.
        header_id = w.new_id(k["header"])
        header = stamp(dict(tpl.header), tpl.header)
        header["id"] = header_id
        same_party(header, k["party_columns"] + k["address_columns"])
        for column, phase in k["dates"].items():
            header[column] = day(header[column], phase)
        employees(header, k["employees"])
        if header.get("number"):
            header["number"] = f"TMP{header_id}"
        if tpl.kind == "sale" and header.get("reference"):
            header["reference"] = f"PO{plan.created:%y%m}-{plan.index + 101:04d}"
        for column in ("untaxed_amount_cache", "total_amount_cache"):
            if header.get(column) is not None:
                header[column] = quantize_like(total, header[column])
        w.add(k["header"], header)

        shipment_id = w.new_id(k["shipment"]) if tpl.shipment else None
        invoice_id = w.new_id("account_invoice") if tpl.invoice else None
        move_id = w.new_id("account_move") if tpl.account_move else None
        pay_move_id = w.new_id("account_move") if tpl.pay_move else None
        rec_id = w.new_id("account_move_reconciliation") if tpl.reconciliation else None
        pay_line_id = cash_line_id = None
        counterpart_id = None

        # Lines and what hangs on them.
        line_rows = []
        for sequence, (product_index, quantity, price, amount) in enumerate(priced, 1):
            product = ctx.products[product_index]
            spec = catalog.PRODUCTS[product_index]
            line_id = w.new_id(k["line"])
            line = stamp(dict(tpl.line), tpl.line)
            tpl_quantity = tpl.line["quantity"]
            line.update(id=line_id, product=product, quantity=float(quantity))
            line[k["line_fk"]] = header_id
            line["unit_price"] = quantize_like(price, tpl.line["unit_price"])
            for column in ("actual_quantity", "quantity_to_invoice", "quantity_to_ship"):
                if line.get(column) and line[column] == tpl_quantity:
                    line[column] = float(quantity)
            if line.get("sequence") is not None:
                line["sequence"] = sequence
            w.add(k["line"], line)
            line_rows.append((line_id, product, quantity, price, amount, spec))

            move_id_1 = None
            if tpl.move:
                move_id_1 = w.new_id("stock_move")
                move = stamp(dict(tpl.move), tpl.move)
                move.update(
                    id=move_id_1,
                    product=product,
                    quantity=float(quantity),
                    origin=f"{k['line_model']},{line_id}",
                )
                if move.get("internal_quantity") is not None:
                    move["internal_quantity"] = float(quantity)
                if move.get("unit_price") is not None:
                    move["unit_price"] = quantize_like(price, tpl.move["unit_price"])
                for column in ("cost_price", "product_cost_price"):
                    if move.get(column) is not None:
                        move[column] = quantize_like(spec.cost_price, tpl.move[column])
                if move["shipment"]:
                    move["shipment"] = f"{k['shipment_model']},{shipment_id}"
                self._dates(move, k["move_dates"], day)
                w.add("stock_move", move)
            if tpl.move2:
                move2 = stamp(dict(tpl.move2), tpl.move2)
                move2.update(
                    id=w.new_id("stock_move"),
                    product=product,
                    quantity=float(quantity),
                    origin=f"stock.move,{move_id_1}",
                )
                if move2.get("internal_quantity") is not None:
                    move2["internal_quantity"] = float(quantity)
                if move2["shipment"]:
                    move2["shipment"] = f"{k['shipment_model']},{shipment_id}"
                self._dates(move2, k["move2_dates"], day)
                w.add("stock_move", move2)
            if tpl.invoice_line:
                invoice_line_id = w.new_id("account_invoice_line")
                invoice_line = stamp(dict(tpl.invoice_line), tpl.invoice_line)
                invoice_line.update(
                    id=invoice_line_id,
                    invoice=invoice_id,
                    product=product,
                    quantity=float(quantity),
                    origin=f"{k['line_model']},{line_id}",
                )
                invoice_line["unit_price"] = quantize_like(price, tpl.invoice_line["unit_price"])
                if invoice_line.get("party") is not None:
                    invoice_line["party"] = party
                w.add("account_invoice_line", invoice_line)
                if tpl.link and move_id_1:
                    link = stamp(dict(tpl.link), tpl.link)
                    link.update(
                        id=w.new_id("account_invoice_line-stock_move"),
                        invoice_line=invoice_line_id,
                        stock_move=move_id_1,
                    )
                    w.add("account_invoice_line-stock_move", link)
                if tpl.move_line:
                    move_line = stamp(dict(tpl.move_line), tpl.move_line)
                    move_line.update(
                        id=w.new_id("account_move_line"),
                        move=move_id,
                        origin=f"account.invoice.line,{invoice_line_id}",
                    )
                    self._amount(move_line, tpl.move_line, amount)
                    same_party(move_line, ("party",))
                    w.add("account_move_line", move_line)

        # Shipment.
        if tpl.shipment:
            shipment = stamp(dict(tpl.shipment), tpl.shipment)
            shipment["id"] = shipment_id
            same_party(shipment, k["shipment_party"])
            if shipment.get("number"):
                shipment["number"] = f"TMP{shipment_id}"
            if shipment.get("reference"):
                shipment["reference"] = f"DN-{plan.index + 501:05d}"
            self._dates(shipment, k["shipment_dates"], day)
            employees(shipment, k["shipment_employees"])
            w.add(k["shipment"], shipment)

        # Invoice, its move, the payment.
        if tpl.invoice:
            invoice = stamp(dict(tpl.invoice), tpl.invoice)
            invoice["id"] = invoice_id
            same_party(invoice, ("party", "invoice_address"))
            invoice["invoice_date"] = day(invoice["invoice_date"], k["invoice_date"])
            if invoice.get("accounting_date"):
                invoice["accounting_date"] = day(invoice["accounting_date"], "post")
            employees(invoice, INVOICE_EMPLOYEES)
            for column in ("untaxed_amount_cache", "total_amount_cache"):
                if invoice.get(column) is not None:
                    invoice[column] = quantize_like(total, invoice[column])
            if invoice.get("number"):
                invoice["number"] = f"TMP{invoice_id}"
                invoice["number_alnum"] = invoice["number"]
                invoice["number_digit"] = invoice_id
            if tpl.kind == "purchase" and invoice.get("reference"):
                invoice["reference"] = f"{plan.party + 1:02d}-{plan.index + 1:06d}"
            if invoice.get("sequence") is not None and invoice["invoice_date"]:
                _, fiscalyear = ctx.period(invoice["invoice_date"])
                sequences = ctx.invoice_sequences[fiscalyear]
                column = "out_invoice_sequence" if tpl.kind == "sale" else "in_invoice_sequence"
                invoice["sequence"] = sequences[column]
            invoice["move"] = move_id
            w.add("account_invoice", invoice)

        maturity = None
        if tpl.account_move:
            account_move = stamp(dict(tpl.account_move), tpl.account_move)
            move_day = day(tpl.account_move["date"], k["invoice_date"])
            period_id, _ = ctx.period(move_day)
            account_move.update(
                id=move_id,
                origin=f"account.invoice,{invoice_id}",
                date=move_day,
                period=period_id,
            )
            if account_move.get("post_date"):
                account_move["post_date"] = day(tpl.account_move["post_date"], "post")
            if account_move.get("number"):
                account_move["number"] = f"TMP{move_id}"
            w.add("account_move", account_move)
            counterpart_id = w.new_id("account_move_line")
            counterpart = stamp(dict(tpl.counterpart), tpl.counterpart)
            counterpart.update(id=counterpart_id, move=move_id, reconciliation=rec_id)
            self._amount(counterpart, tpl.counterpart, total)
            same_party(counterpart, ("party",))
            if counterpart.get("maturity_date"):
                # The payment term counts from the accounting date.
                maturity = move_day + (tpl.counterpart["maturity_date"] - tpl.account_move["date"])
                counterpart["maturity_date"] = maturity
            w.add("account_move_line", counterpart)

        pay_day = None
        if tpl.pay_move:
            pay_day = day(tpl.pay_move["date"], "pay")
            period_id, _ = ctx.period(pay_day)
            pay_move = stamp(dict(tpl.pay_move), tpl.pay_move)
            pay_move.update(
                id=pay_move_id,
                origin=f"account.invoice,{invoice_id}",
                date=pay_day,
                period=period_id,
            )
            if pay_move.get("post_date"):
                pay_move["post_date"] = pay_day
            if pay_move.get("number"):
                pay_move["number"] = f"TMP{pay_move_id}"
            w.add("account_move", pay_move)
            pay_line_id = w.new_id("account_move_line")
            pay_line = stamp(dict(tpl.pay_line), tpl.pay_line)
            pay_line.update(id=pay_line_id, move=pay_move_id, reconciliation=rec_id)
            self._amount(pay_line, tpl.pay_line, total)
            same_party(pay_line, ("party",))
            w.add("account_move_line", pay_line)
            cash_line_id = w.new_id("account_move_line")
            cash_line = stamp(dict(tpl.cash_line), tpl.cash_line)
            cash_line.update(id=cash_line_id, move=pay_move_id)
            self._amount(cash_line, tpl.cash_line, total)
            same_party(cash_line, ("party",))
            w.add("account_move_line", cash_line)
            link = stamp(dict(tpl.pay_link), tpl.pay_link)
            link.update(
                id=w.new_id("account_invoice-account_move_line"),
                invoice=invoice_id,
                line=pay_line_id,
            )
            w.add("account_invoice-account_move_line", link)

        if tpl.reconciliation:
            reconciliation = stamp(dict(tpl.reconciliation), tpl.reconciliation)
            reconciliation["id"] = rec_id
            reconciliation["date"] = max(d for d in (maturity, pay_day) if d)
            if reconciliation.get("number"):
                reconciliation["number"] = f"TMP{rec_id}"
            w.add("account_move_reconciliation", reconciliation)

        # The event log of the three documents.
        resources = {f"{k['model']},{tpl.header['id']}": f"{k['model']},{header_id}"}
        if tpl.shipment:
            resources[f"{k['shipment_model']},{tpl.shipment['id']}"] = (
                f"{k['shipment_model']},{shipment_id}"
            )
        if tpl.invoice:
            resources[f"account.invoice,{tpl.invoice['id']}"] = f"account.invoice,{invoice_id}"
        for log in tpl.logs:
            row = stamp(dict(log), log)
            row["id"] = w.new_id("ir_model_log")
            row["resource"] = resources[log["resource"]]
            row["user"] = who(log["user"], log["create_date"])
            w.add("ir_model_log", row)

    @staticmethod
    def _dates(row: dict, mapping: dict, day) -> None:
        for column in ("planned_date", "origin_planned_date", "effective_date"):
            if row.get(column) is not None:
                row[column] = day(row[column], mapping.get(column))

    @staticmethod
    def _amount(row: dict, template: dict, amount: Decimal) -> None:
        for column in ("debit", "credit"):
            if template[column]:
                row[column] = quantize_like(amount, template[column])
        if row.get("amount_second_currency"):
            row["amount_second_currency"] = quantize_like(
                amount, template["amount_second_currency"]
            )


# --- the plans -----------------------------------------------------------------------------------
def template_key(plan: Plan) -> str:
    if plan.target == "cancelled":
        return plan.variant
    return plan.target


def bulk_plans(planner, spec, core_sales: int, core_purchases: int):
    sales = []
    for i in range(spec.bulk_sales):
        sales.append(planner.sale(core_sales + i, planner.bulk_target("sale")))
    purchases = []
    for i in range(spec.bulk_purchases):
        purchases.append(planner.purchase(core_purchases + i, planner.bulk_target("purchase")))
    balance_stock(sales, purchases)
    return sales, purchases


def balance_stock(sales: list[Plan], purchases: list[Plan]) -> None:
    """Size the received purchase lines so that bulk purchases cover what bulk sales ship."""
    shipped = defaultdict(int)
    for plan in sales:
        if "ship" in plan.phases:
            for product, quantity in plan.lines:
                shipped[product] += quantity
    received = defaultdict(list)
    for plan in purchases:
        if "receive" in plan.phases:
            for n, (product, _quantity) in enumerate(plan.lines):
                received[product].append((plan, n))
    for product, slots in received.items():
        if not shipped.get(product):
            continue
        each = max(1, math.ceil(shipped[product] * 1.05 / len(slots)))
        for plan, n in slots:
            plan.lines[n] = (product, each)


# --- renumbering -------------------------------------------------------------------------------
def renumber(transaction, pool, anchor_year: int, progress=None) -> None:
    """Give every numbered document its number again, in time order, and move the sequences."""
    cursor = transaction.connection.cursor()
    p = "%s" if is_postgres(transaction) else "?"

    def apply(table: str, pairs: list[tuple], extra: str = "") -> None:
        if not pairs:
            return
        cursor.executemany(f'UPDATE "{table}" SET number = {p}{extra} WHERE id = {p}', pairs)

    Sequence = pool.get("ir.sequence")
    SequenceStrict = pool.get("ir.sequence.strict")
    configs = {
        "sale_sale": pool.get("sale.configuration")(1).sale_sequence,
        "purchase_purchase": pool.get("purchase.configuration")(1).purchase_sequence,
        "stock_shipment_out": pool.get("stock.configuration")(1).shipment_out_sequence,
        "stock_shipment_in": pool.get("stock.configuration")(1).shipment_in_sequence,
        "account_move_reconciliation": pool.get("account.configuration")(1).reconciliation_sequence,
    }
    for table, sequence in configs.items():
        cursor.execute(
            f'SELECT id FROM "{table}" WHERE number IS NOT NULL ORDER BY create_date, id'
        )
        ids = [r[0] for r in cursor.fetchall()]
        prefix = sequence.prefix or ""
        padding = sequence.padding or 0
        apply(table, [(f"{prefix}{n:0{padding}d}", i) for n, i in enumerate(ids, 1)])
        Sequence.write([sequence], {"number_next": len(ids) + 1})
    if progress:
        progress("numbering invoices and account moves")

    # Invoices: one strict sequence per fiscal year and type.
    FiscalYear = pool.get("account.fiscalyear")
    for fiscalyear in FiscalYear.search([]):
        (sequences,) = fiscalyear.invoice_sequences
        for invoice_type, sequence in (
            ("out", sequences.out_invoice_sequence),
            ("in", sequences.in_invoice_sequence),
        ):
            cursor.execute(
                "SELECT id FROM account_invoice WHERE number IS NOT NULL AND type = "
                f"{p} AND invoice_date >= {p} AND invoice_date <= {p} ORDER BY invoice_date, id",
                (invoice_type, fiscalyear.start_date, fiscalyear.end_date),
            )
            ids = [r[0] for r in cursor.fetchall()]
            pairs = []
            for n, invoice_id in enumerate(ids, 1):
                number = f"{sequence.prefix or ''}{n:0{sequence.padding or 0}d}"
                alnum = re.sub(r"[\W_]", "", number)
                digits = re.sub(r"\D", "", number)
                pairs.append(
                    (number, alnum, int(digits) if digits else None, sequence.id, invoice_id)
                )
            cursor.executemany(
                f"UPDATE account_invoice SET number = {p}, number_alnum = {p}, "
                f"number_digit = {p}, sequence = {p} WHERE id = {p}",
                pairs,
            )
            SequenceStrict.write([sequence], {"number_next": len(ids) + 1})
        # Account moves of the year.
        sequence = fiscalyear.move_sequence
        cursor.execute(
            "SELECT id FROM account_move WHERE number IS NOT NULL AND date >= "
            f"{p} AND date <= {p} ORDER BY post_date, date, create_date, id",
            (fiscalyear.start_date, fiscalyear.end_date),
        )
        ids = [r[0] for r in cursor.fetchall()]
        apply(
            "account_move",
            [
                (f"{sequence.prefix or ''}{n:0{sequence.padding or 0}d}", i)
                for n, i in enumerate(ids, 1)
            ],
        )
        SequenceStrict.write([sequence], {"number_next": len(ids) + 1})

    # Payment moves name the invoice they pay.
    cursor.execute("SELECT id, number FROM account_invoice WHERE number IS NOT NULL")
    numbers = dict(cursor.fetchall())
    cursor.execute(
        "SELECT id, description, origin FROM account_move "
        "WHERE description IS NOT NULL AND origin LIKE 'account.invoice,%'"
    )
    pairs = []
    for move_id, description, origin in cursor.fetchall():
        number = numbers.get(ref_id(origin))
        if number:
            pairs.append((f"{description.split(' ', 1)[0]} {number}", move_id))
    cursor.executemany(f"UPDATE account_move SET description = {p} WHERE id = {p}", pairs)


def add_journal_periods(transaction) -> None:
    """Tryton opens a journal period the first time a journal posts in a period."""
    cursor = transaction.connection.cursor()
    p = "%s" if is_postgres(transaction) else "?"
    cursor.execute(
        "SELECT DISTINCT m.journal, m.period, MIN(m.create_date), MIN(m.create_uid) "
        "FROM account_move m WHERE NOT EXISTS (SELECT 1 FROM account_journal_period jp "
        "WHERE jp.journal = m.journal AND jp.period = m.period) GROUP BY m.journal, m.period"
    )
    rows = cursor.fetchall()
    cursor.executemany(
        "INSERT INTO account_journal_period (journal, period, state, create_date, create_uid) "
        f"VALUES ({p}, {p}, 'open', {p}, {p})",
        rows,
    )


# --- entry point -------------------------------------------------------------------------------
def run(database_name: str, planner, flows, spec, core: list[Plan], progress=None) -> dict:
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool(database_name)
    core_sales = sum(1 for plan in core if plan.kind == "sale")
    core_purchases = len(core) - core_sales
    sales, purchases = bulk_plans(planner, spec, core_sales, core_purchases)
    plans = sorted(sales + purchases, key=lambda plan: plan.created)
    with Transaction().start(database_name, 0) as transaction:
        postgres = is_postgres(transaction)
        cursor = transaction.connection.cursor()
        reader = Reader(cursor, postgres)
        templates: dict[tuple[str, str], Template] = {}
        for plan in core:
            key = (plan.kind, template_key(plan))
            if key in templates:
                continue
            state = flows.docs.get((plan.kind, plan.index))
            if not state or not state.record:
                continue
            try:
                templates[key] = Template(reader, plan.kind, state.record, plan)
            except TemplateError:
                continue
        ctx = Context(reader, flows.master)
        writer = Writer(cursor, transaction.database, transaction.connection, postgres)
        cloner = Cloner(writer, ctx)
        missing = defaultdict(int)
        for number, plan in enumerate(plans, 1):
            template = templates.get((plan.kind, template_key(plan)))
            if template is None:
                missing[f"{plan.kind}:{template_key(plan)}"] += 1
                continue
            cloner.clone(template, plan)
            if number % CHUNK == 0:
                writer.flush()
                if progress:
                    progress(0.9 * number / len(plans), f"bulk: {number}/{len(plans)} documents")
        writer.finish()
        if progress:
            progress(0.9, "bulk: numbering documents in time order")
        renumber(transaction, pool, planner.anchor.year)
        add_journal_periods(transaction)
    if progress:
        progress(1.0, "bulk: done")
    return {
        "sales": len(sales),
        "purchases": len(purchases),
        "templates": sorted(f"{k}:{s}" for k, s in templates),
        "skipped": dict(missing),
        "rows": dict(sorted(writer.count.items())),
    }
