"""Cloning core documents into bulk ones with SQL (see ``bulk`` for the why).

``Clone`` copies every row of a ``Template`` for one plan. Columns it does not know keep the
value Tryton gave the template; it changes ids and the references between the rows, party and
addresses, products, quantities and amounts, dates and timestamps (each mapped through the
phase of the life cycle it belongs to), the people and their employees.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from erpkeeper.demo import catalog
from erpkeeper.demo.templates import INVOICE_EMPLOYEES, KINDS, Reader, Template, TemplateError
from erpkeeper.demo.timeline import Plan

CENT = Decimal("0.01")

# --- writing ---------------------------------------------------------------------------------
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
        order = {table: n for n, table in enumerate(INSERT_ORDER)}
        for table in sorted(self.buffers, key=lambda t: order.get(t, len(order))):
            rows = self.buffers[table]
            if not rows:
                continue
            names = ", ".join(f'"{c}"' for c in self.columns[table])
            if self.postgres:
                # COPY: row-by-row INSERTs are an order of magnitude slower on PostgreSQL.
                with self.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * len(self.columns[table]))
                self.cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
            rows.clear()

    def finish(self) -> None:
        self.flush()
        for table, value in self.next_ids.items():
            self.database.setnextid(self.connection, table, value)


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


def quantize_like(value: Decimal, like) -> Decimal:
    """Round like the template's value (sale prices have 4 decimals, amounts 2)."""
    if isinstance(like, Decimal) and like.as_tuple().exponent < 0:
        return value.quantize(like)
    return value.quantize(CENT)


class Clone:
    """The rows of one bulk document, copied from a template."""

    def __init__(self, writer: Writer, ctx: Context, tpl: Template, plan: Plan):
        self.w, self.ctx, self.tpl, self.plan = writer, ctx, tpl, plan
        self.k = KINDS[tpl.kind]
        parties = ctx.master["customers" if tpl.kind == "sale" else "suppliers"]
        self.party = parties[plan.party]
        self.address = ctx.addresses[self.party]
        self.tpl_party = tpl.header["party"]
        self.tpl_address = tpl.header[self.k["address_columns"][0]]
        self.priced = []
        for product_index, quantity in plan.lines:
            spec = catalog.PRODUCTS[product_index]
            price = self.k["price"](spec)
            self.priced.append((product_index, quantity, price, (price * quantity).quantize(CENT)))
        self.total = sum((amount for *_, amount in self.priced), Decimal(0))
        new = writer.new_id
        self.header_id = new(self.k["header"])
        self.shipment_id = new(self.k["shipment"]) if tpl.shipment else None
        self.invoice_id = new("account_invoice") if tpl.invoice else None
        self.move_id = new("account_move") if tpl.account_move else None
        self.pay_move_id = new("account_move") if tpl.pay_move else None
        self.rec_id = new("account_move_reconciliation") if tpl.reconciliation else None
        self.invoice_date = self.move_day = self.maturity = self.pay_day = None

    def run(self) -> None:
        self.header()
        for sequence, priced in enumerate(self.priced, 1):
            self.line(sequence, *priced)
        if self.tpl.shipment:
            self.shipment()
        if self.tpl.invoice:
            self.invoice()
        if self.tpl.account_move:
            self.account_move()
        if self.tpl.pay_move:
            self.payment()
        if self.tpl.reconciliation:
            self.reconciliation()
        self.logs()

    # --- mapping helpers ---------------------------------------------------------------------
    def when(self, value):
        """A template timestamp -> the same phase's moment in this document."""
        if value is None:
            return None
        phase = self.tpl.phase(value)
        return self.plan.cancel_at if phase == "cancel" else self.plan.phases.get(phase, value)

    def day(self, value, phase=None):
        """A template date -> the phase's day here; or the same distance from the latest
        phase that precedes it (e.g. a due date)."""
        if value is None:
            return None
        plan, tpl_phases = self.plan, self.tpl.plan.phases
        if phase and phase in plan.phases and phase in tpl_phases:
            return plan.phases[phase].date()
        best = None
        for name, moment in tpl_phases.items():
            if moment.date() <= value and (best is None or moment > tpl_phases[best]):
                best = name
        if best is None or best not in plan.phases:
            return value
        return plan.phases[best].date() + (value - tpl_phases[best].date())

    def who(self, uid, moment):
        """The template's user for a phase -> this document's person for that phase."""
        if uid in (None, 0, self.ctx.master["admin"]) or moment is None:
            return uid
        phase = self.tpl.phase(moment)
        login = self.plan.actors.get(phase) or self.plan.actors.get("create")
        return self.ctx.users.get(login, uid)

    def copy(self, template: dict, **values) -> dict:
        row = dict(template)
        row["create_date"] = self.when(template["create_date"])
        row["write_date"] = self.when(template["write_date"])
        row["create_uid"] = self.who(template["create_uid"], template["create_date"])
        row["write_uid"] = self.who(template["write_uid"], template["write_date"])
        row.update(values)
        return row

    def employees(self, row: dict, mapping: dict) -> None:
        for column, phase in mapping.items():
            if row.get(column) is not None:
                login = self.plan.actors.get(phase) or self.plan.actors["create"]
                row[column] = self.ctx.employees.get(login, row[column])

    def same_party(self, row: dict, columns) -> None:
        for column in columns:
            if row.get(column) is None:
                continue
            if row[column] == self.tpl_party:
                row[column] = self.party
            elif row[column] == self.tpl_address:
                row[column] = self.address

    def dates(self, row: dict, mapping: dict) -> None:
        for column in ("planned_date", "origin_planned_date", "effective_date"):
            if row.get(column) is not None:
                row[column] = self.day(row[column], mapping.get(column))

    @staticmethod
    def amount(row: dict, template: dict, amount: Decimal) -> None:
        for column in ("debit", "credit"):
            if template[column]:
                row[column] = quantize_like(amount, template[column])
        if row.get("amount_second_currency"):
            row["amount_second_currency"] = quantize_like(
                amount, template["amount_second_currency"]
            )

    # --- the rows ----------------------------------------------------------------------------
    def header(self) -> None:
        k, tpl, plan = self.k, self.tpl, self.plan
        row = self.copy(tpl.header, id=self.header_id)
        self.same_party(row, k["party_columns"] + k["address_columns"])
        for column, phase in k["dates"].items():
            row[column] = self.day(row[column], phase)
        self.employees(row, k["employees"])
        if row.get("number"):
            row["number"] = f"TMP{self.header_id}"
        if tpl.kind == "sale" and row.get("reference"):
            row["reference"] = f"PO{plan.created:%y%m}-{plan.index + 101:04d}"
        for column in ("untaxed_amount_cache", "total_amount_cache"):
            if row.get(column) is not None:
                row[column] = quantize_like(self.total, row[column])
        self.w.add(k["header"], row)

    def line(self, sequence, product_index, quantity, price, amount) -> None:
        w, k, tpl = self.w, self.k, self.tpl
        product = self.ctx.products[product_index]
        line_id = w.new_id(k["line"])
        row = self.copy(tpl.line, id=line_id, product=product, quantity=float(quantity))
        row[k["line_fk"]] = self.header_id
        row["unit_price"] = quantize_like(price, tpl.line["unit_price"])
        for column in ("actual_quantity", "quantity_to_invoice", "quantity_to_ship"):
            if row.get(column) and row[column] == tpl.line["quantity"]:
                row[column] = float(quantity)
        if row.get("sequence") is not None:
            row["sequence"] = sequence
        w.add(k["line"], row)
        origin = f"{k['line_model']},{line_id}"
        move_id = self.moves(origin, product_index, quantity, price) if tpl.move else None
        if tpl.invoice_line:
            self.invoice_line(origin, product, quantity, price, amount, move_id)

    def moves(self, origin: str, product_index: int, quantity, price) -> int:
        """The line's stock move and the inventory move that follows it in the warehouse."""
        w, k, tpl = self.w, self.k, self.tpl
        product = self.ctx.products[product_index]
        spec = catalog.PRODUCTS[product_index]
        shipment = f"{k['shipment_model']},{self.shipment_id}"
        move_id = w.new_id("stock_move")
        move = self.copy(
            tpl.move, id=move_id, product=product, quantity=float(quantity), origin=origin
        )
        if move.get("internal_quantity") is not None:
            move["internal_quantity"] = float(quantity)
        if move.get("unit_price") is not None:
            move["unit_price"] = quantize_like(price, tpl.move["unit_price"])
        for column in ("cost_price", "product_cost_price"):
            if move.get(column) is not None:
                move[column] = quantize_like(spec.cost_price, tpl.move[column])
        if move["shipment"]:
            move["shipment"] = shipment
        self.dates(move, k["move_dates"])
        w.add("stock_move", move)
        if tpl.move2:
            move2 = self.copy(
                tpl.move2,
                id=w.new_id("stock_move"),
                product=product,
                quantity=float(quantity),
                origin=f"stock.move,{move_id}",
            )
            if move2.get("internal_quantity") is not None:
                move2["internal_quantity"] = float(quantity)
            if move2["shipment"]:
                move2["shipment"] = shipment
            self.dates(move2, k["move2_dates"])
            w.add("stock_move", move2)
        return move_id

    def invoice_line(self, origin, product, quantity, price, amount, move_id) -> None:
        w, tpl = self.w, self.tpl
        line_id = w.new_id("account_invoice_line")
        row = self.copy(
            tpl.invoice_line,
            id=line_id,
            invoice=self.invoice_id,
            product=product,
            quantity=float(quantity),
            origin=origin,
        )
        row["unit_price"] = quantize_like(price, tpl.invoice_line["unit_price"])
        self.same_party(row, ("party",))
        w.add("account_invoice_line", row)
        if tpl.link and move_id:
            link = self.copy(
                tpl.link,
                id=w.new_id("account_invoice_line-stock_move"),
                invoice_line=line_id,
                stock_move=move_id,
            )
            w.add("account_invoice_line-stock_move", link)
        if tpl.move_line:
            move_line = self.copy(
                tpl.move_line,
                id=w.new_id("account_move_line"),
                move=self.move_id,
                origin=f"account.invoice.line,{line_id}",
            )
            self.amount(move_line, tpl.move_line, amount)
            self.same_party(move_line, ("party",))
            w.add("account_move_line", move_line)

    def shipment(self) -> None:
        k, tpl, plan = self.k, self.tpl, self.plan
        row = self.copy(tpl.shipment, id=self.shipment_id)
        self.same_party(row, k["shipment_party"])
        if row.get("number"):
            row["number"] = f"TMP{self.shipment_id}"
        if row.get("reference"):
            row["reference"] = f"DN-{plan.index + 501:05d}"
        self.dates(row, k["shipment_dates"])
        self.employees(row, k["shipment_employees"])
        self.w.add(k["shipment"], row)

    def invoice(self) -> None:
        k, tpl, plan, ctx = self.k, self.tpl, self.plan, self.ctx
        row = self.copy(tpl.invoice, id=self.invoice_id, move=self.move_id)
        self.same_party(row, ("party", "invoice_address"))
        row["invoice_date"] = self.invoice_date = self.day(row["invoice_date"], k["invoice_date"])
        if row.get("accounting_date"):
            row["accounting_date"] = self.day(row["accounting_date"], "post")
        self.employees(row, INVOICE_EMPLOYEES)
        for column in ("untaxed_amount_cache", "total_amount_cache"):
            if row.get(column) is not None:
                row[column] = quantize_like(self.total, row[column])
        if row.get("number"):
            row.update(
                number=f"TMP{self.invoice_id}",
                number_alnum=f"TMP{self.invoice_id}",
                number_digit=self.invoice_id,
            )
        if tpl.kind == "purchase" and row.get("reference"):
            row["reference"] = f"{plan.party + 1:02d}-{plan.index + 1:06d}"
        if row.get("sequence") is not None and row["invoice_date"]:
            _, fiscalyear = ctx.period(row["invoice_date"])
            column = "out_invoice_sequence" if tpl.kind == "sale" else "in_invoice_sequence"
            row["sequence"] = ctx.invoice_sequences[fiscalyear][column]
        self.w.add("account_invoice", row)

    def account_move(self) -> None:
        """The invoice's move: its lines per invoice line were written with the lines; here
        the move and the receivable (or payable) counterpart."""
        w, k, tpl = self.w, self.k, self.tpl
        self.move_day = self.day(tpl.account_move["date"], k["invoice_date"])
        period_id, _ = self.ctx.period(self.move_day)
        row = self.copy(
            tpl.account_move,
            id=self.move_id,
            origin=f"account.invoice,{self.invoice_id}",
            date=self.move_day,
            period=period_id,
        )
        if row.get("post_date"):
            row["post_date"] = self.day(tpl.account_move["post_date"], "post")
        if row.get("number"):
            row["number"] = f"TMP{self.move_id}"
        w.add("account_move", row)
        counterpart = self.copy(
            tpl.counterpart,
            id=w.new_id("account_move_line"),
            move=self.move_id,
            reconciliation=self.rec_id,
        )
        self.amount(counterpart, tpl.counterpart, self.total)
        self.same_party(counterpart, ("party",))
        if counterpart.get("maturity_date"):
            # The payment term counts from the accounting date.
            self.maturity = self.move_day + (
                tpl.counterpart["maturity_date"] - tpl.account_move["date"]
            )
            counterpart["maturity_date"] = self.maturity
        w.add("account_move_line", counterpart)

    def payment(self) -> None:
        w, tpl = self.w, self.tpl
        self.pay_day = self.day(tpl.pay_move["date"], "pay")
        period_id, _ = self.ctx.period(self.pay_day)
        row = self.copy(
            tpl.pay_move,
            id=self.pay_move_id,
            origin=f"account.invoice,{self.invoice_id}",
            date=self.pay_day,
            period=period_id,
        )
        if row.get("post_date"):
            row["post_date"] = self.pay_day
        if row.get("number"):
            row["number"] = f"TMP{self.pay_move_id}"
        w.add("account_move", row)
        pay_line_id = w.new_id("account_move_line")
        for template, values in (
            (tpl.pay_line, {"id": pay_line_id, "reconciliation": self.rec_id}),
            (tpl.cash_line, {"id": w.new_id("account_move_line")}),
        ):
            line = self.copy(template, move=self.pay_move_id, **values)
            self.amount(line, template, self.total)
            self.same_party(line, ("party",))
            w.add("account_move_line", line)
        link = self.copy(
            tpl.pay_link,
            id=w.new_id("account_invoice-account_move_line"),
            invoice=self.invoice_id,
            line=pay_line_id,
        )
        w.add("account_invoice-account_move_line", link)

    def reconciliation(self) -> None:
        row = self.copy(self.tpl.reconciliation, id=self.rec_id)
        row["date"] = max(d for d in (self.maturity, self.pay_day, self.move_day) if d)
        if row.get("number"):
            row["number"] = f"TMP{self.rec_id}"
        self.w.add("account_move_reconciliation", row)

    def logs(self) -> None:
        """The event log of the three documents, with this document's people and moments."""
        k, tpl = self.k, self.tpl
        resources = {f"{k['model']},{tpl.header['id']}": f"{k['model']},{self.header_id}"}
        if tpl.shipment:
            resources[f"{k['shipment_model']},{tpl.shipment['id']}"] = (
                f"{k['shipment_model']},{self.shipment_id}"
            )
        if tpl.invoice:
            resources[f"account.invoice,{tpl.invoice['id']}"] = f"account.invoice,{self.invoice_id}"
        for log in tpl.logs:
            row = self.copy(log, id=self.w.new_id("ir_model_log"))
            row["resource"] = resources[log["resource"]]
            row["user"] = self.who(log["user"], log["create_date"])
            self.w.add("ir_model_log", row)
