"""Templates for the bulk path: all rows Tryton wrote for one core document.

A template is read back from the database after the realistic core was played: the sale or
purchase, its first line with the stock moves, invoice line and account move line hanging on
it, the shipment, the invoice, its account move, the payment and reconciliation, and the event
log of the three documents. ``cloner`` copies it for each bulk document.
"""

from __future__ import annotations

import bisect

from erpkeeper.demo.timeline import Plan

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


def template_key(plan: Plan) -> str:
    """Which core document a plan is copied from: its final state (and how it got cancelled)."""
    if plan.target == "cancelled":
        return plan.variant
    return plan.target
