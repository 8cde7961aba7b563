"""The realistic core: sales and purchases clicked through by the right people, in time order.

Each phase of a document is one Tryton transaction as the person doing it (see ``Session``):
a salesperson creates, quotes and confirms a sale, a warehouse clerk ships it, an accountant
posts the invoice and records the payment. Buttons and wizards are the ones of the Tryton
client, so access rights are checked and ir_model_log records the events.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from erpkeeper.demo import catalog
from erpkeeper.demo.timeline import Plan


@dataclass
class DocumentState:
    record: int | None = None
    shipments: list[int] = field(default_factory=list)
    invoices: list[int] = field(default_factory=list)


class Flows:
    def __init__(self, session, master: dict):
        self.session = session
        self.pool = session.pool
        self.master = master
        self.docs: dict[tuple[str, int], DocumentState] = {}

    # --- driving ----------------------------------------------------------------------------
    def play(self, plans: list[Plan], progress=None) -> None:
        """Execute every phase of every plan in global time order."""
        events = []
        for plan in plans:
            for moment, phase in plan.events():
                events.append((moment, plan.kind, plan.index, phase, plan))
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        for number, (moment, kind, _index, phase, plan) in enumerate(events, 1):
            login = plan.actors.get(phase) or plan.actors["create"]
            handler = getattr(self, f"_{kind}_{phase}")
            state = self.docs.setdefault((kind, plan.index), DocumentState())
            check_access = phase != "pay"  # wizards check their own access
            self.session.run(
                login,
                moment,
                lambda tr, h=handler, p=plan, s=state: h(p, s),
                check_access=check_access,
            )
            if progress:
                progress(number, len(events), f"{kind} {phase}")

    # --- sales ------------------------------------------------------------------------------
    def _new(self, model_name: str):
        Model = self.pool.get(model_name)
        defaults = Model.default_get(list(Model._fields.keys()), with_rec_name=False)
        return Model(**defaults)

    def _sale_create(self, plan: Plan, state: DocumentState) -> None:
        Party = self.pool.get("party.party")
        Product = self.pool.get("product.product")
        sale = self._new("sale.sale")
        sale.party = Party(self.master["customers"][plan.party])
        sale.on_change_party()
        sale.reference = f"PO{plan.created:%y%m}-{plan.index + 101:04d}"
        lines = []
        for product_index, quantity in plan.lines:
            line = self._new("sale.line")
            line.sale = sale
            line.type = "line"
            line.product = Product(self.master["products"][product_index])
            line.quantity = float(quantity)
            line.on_change_product()
            line.on_change_quantity()
            lines.append(line)
        sale.lines = lines
        sale.save()
        state.record = sale.id

    def _sale(self, state):
        return self.pool.get("sale.sale")(state.record)

    def _sale_quote(self, plan, state):
        Sale = self.pool.get("sale.sale")
        Sale.quote([self._sale(state)])

    def _sale_confirm(self, plan, state):
        Sale = self.pool.get("sale.sale")
        Sale.confirm([self._sale(state)])

    def _shipments_out(self, state):
        # Created by the sale's processing task, which runs after the confirming click.
        if not state.shipments:
            state.shipments = [s.id for s in self._sale(state).shipments]
        Shipment = self.pool.get("stock.shipment.out")
        return Shipment.browse(state.shipments)

    def _sale_assign(self, plan, state):
        Shipment = self.pool.get("stock.shipment.out")
        shipments = self._shipments_out(state)
        Shipment.assign_try(shipments)
        if any(s.state != "assigned" for s in self._shipments_out(state)):
            raise RuntimeError(f"not enough stock for sale plan {plan.index}")

    def _sale_pick(self, plan, state):
        Shipment = self.pool.get("stock.shipment.out")
        Shipment.pick(self._shipments_out(state))

    def _sale_pack(self, plan, state):
        Shipment = self.pool.get("stock.shipment.out")
        Shipment.pack(self._shipments_out(state))

    def _sale_ship(self, plan, state):
        Shipment = self.pool.get("stock.shipment.out")
        Shipment.do(self._shipments_out(state))

    def _sale_post(self, plan, state):
        Invoice = self.pool.get("account.invoice")
        state.invoices = [i.id for i in self._sale(state).invoices if i.state == "draft"]
        Invoice.post(Invoice.browse(state.invoices))

    def _sale_pay(self, plan, state):
        self._pay(state.invoices, "sale")

    def _sale_cancel(self, plan, state):
        Sale = self.pool.get("sale.sale")
        Sale.cancel([self._sale(state)])

    # --- purchases --------------------------------------------------------------------------
    def _purchase(self, state):
        return self.pool.get("purchase.purchase")(state.record)

    def _purchase_create(self, plan: Plan, state: DocumentState) -> None:
        Party = self.pool.get("party.party")
        Product = self.pool.get("product.product")
        purchase = self._new("purchase.purchase")
        purchase.party = Party(self.master["suppliers"][plan.party])
        purchase.on_change_party()
        lines = []
        for product_index, quantity in plan.lines:
            line = self._new("purchase.line")
            line.purchase = purchase
            line.type = "line"
            line.product = Product(self.master["products"][product_index])
            line.quantity = float(quantity)
            line.on_change_product()
            line.on_change_quantity()
            if not line.unit_price:
                line.unit_price = catalog.PRODUCTS[product_index].cost_price
            lines.append(line)
        purchase.lines = lines
        purchase.save()
        state.record = purchase.id

    def _purchase_quote(self, plan, state):
        self.pool.get("purchase.purchase").quote([self._purchase(state)])

    def _purchase_confirm(self, plan, state):
        self.pool.get("purchase.purchase").confirm([self._purchase(state)])

    def _purchase_receive(self, plan, state):
        Shipment = self.pool.get("stock.shipment.in")
        purchase = self._purchase(state)
        moves = [m for line in purchase.lines for m in line.moves if m.state == "draft"]
        shipment = self._new("stock.shipment.in")
        shipment.supplier = purchase.party
        shipment.on_change_supplier()
        shipment.warehouse = purchase.warehouse
        shipment.on_change_warehouse()
        shipment.reference = f"DN-{plan.index + 501:05d}"
        shipment.incoming_moves = moves
        shipment.save()
        state.shipments = [shipment.id]
        Shipment.receive([shipment])

    def _purchase_done(self, plan, state):
        Shipment = self.pool.get("stock.shipment.in")
        Shipment.do(Shipment.browse(state.shipments))

    def _purchase_post(self, plan, state):
        Invoice = self.pool.get("account.invoice")
        invoices = [i for i in self._purchase(state).invoices if i.state == "draft"]
        state.invoices = [i.id for i in invoices]
        received = plan.phases["done"].date()
        for invoice in invoices:
            invoice.invoice_date = received
            invoice.reference = f"{plan.party + 1:02d}-{received:%Y%m}-{plan.index + 1:04d}"
        Invoice.save(invoices)
        Invoice.post(invoices)

    def _purchase_pay(self, plan, state):
        self._pay(state.invoices, "purchase")

    def _purchase_cancel(self, plan, state):
        self.pool.get("purchase.purchase").cancel([self._purchase(state)])

    # --- payments ---------------------------------------------------------------------------
    def _pay(self, invoice_ids: list[int], kind: str) -> None:
        """The "Pay" wizard of the invoice form, as the accountant fills it."""
        from trytond.transaction import Transaction

        Invoice = self.pool.get("account.invoice")
        Pay = self.pool.get("account.invoice.pay", type="wizard")
        transaction = Transaction()
        for invoice in Invoice.browse(invoice_ids):
            with transaction.set_context(
                active_model="account.invoice", active_id=invoice.id, active_ids=[invoice.id]
            ):
                session_id, _, _ = Pay.create()
                Pay.execute(session_id, {}, "start")
                start = {
                    "payment_method": self.master["payment_method"],
                    "date": self.session.now.date(),
                    "amount": invoice.amount_to_pay,
                    "currency": invoice.currency.id,
                    "description": f"{'回款' if kind == 'sale' else '付款'} {invoice.number}",
                    "payee": invoice.party.id,
                    "company": invoice.company.id,
                    "invoice_account": invoice.account.id,
                }
                Pay.execute(session_id, {"start": start}, "choice")
                Pay.delete(session_id)
