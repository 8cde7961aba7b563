"""Master data of the demo company, entered with proteus as the administrator at go-live.

Company, currency, chart of accounts, fiscal years with numbered sequences, payment terms,
payment method, product categories and products, customers and suppliers, employees, users,
groups and user_role roles. Runs in the builder's child process.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from erpkeeper.demo import catalog


def configure_proteus(database_name: str, config_file: str):
    from proteus import config

    cfg = config.set_trytond(database_name, user="admin", config_file=config_file)
    cfg.skip_warning = True
    return cfg


def reset_admin(database_name: str, email: str) -> None:
    """A copied base carries another build's administrator password: set this build's one
    (as trytond-admin does: as root, so that no event is logged)."""
    import os

    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with open(os.environ["TRYTONPASSFILE"], encoding="utf-8") as handle:
        password = handle.readline().strip()
    with Transaction().start(database_name, 0):
        User = Pool(database_name).get("res.user")
        (admin,) = User.search([("login", "=", catalog.ADMIN_LOGIN)])
        User.write([admin], {"password": password, "email": email})


def create_company(cfg) -> dict:
    from proteus import Model
    from trytond.modules.company.tests.tools import create_company as tool_create_company

    Currency = Model.get("currency.currency")
    Rate = Model.get("currency.currency.rate")
    Party = Model.get("party.party")
    (currency,) = Currency.find([("code", "=", catalog.COMPANY_CURRENCY)]) or [None]
    if currency is None:
        currency = Currency(
            name="Chinese Yuan Renminbi", code="CNY", symbol="¥", rounding=Decimal("0.01")
        )
        currency.save()
        Rate(date=dt.date(2000, 1, 1), rate=Decimal("1"), currency=currency).save()
    party = Party(name=catalog.COMPANY_NAME)
    address = party.addresses[0]
    address.street = "浦东新区张江路 88 号 88 Zhangjiang Road"
    address.city = "上海 Shanghai"
    address.postal_code = "201203"
    party.save()
    tool_create_company(party=party, currency=currency)
    Company = Model.get("company.company")
    (company,) = Company.find()
    company.timezone = catalog.COMPANY_TIMEZONE
    company.save()
    return {"company": company.id, "currency": currency.id}


def create_accounting(cfg, years: list[int]) -> dict:
    from proteus import Model
    from trytond.modules.account.tests.tools import create_chart, get_accounts

    Company = Model.get("company.company")
    company = Company(Company.find()[0].id)
    create_chart(company)
    accounts = get_accounts(company)

    FiscalYear = Model.get("account.fiscalyear")
    SequenceStrict = Model.get("ir.sequence.strict")
    SequenceType = Model.get("ir.sequence.type")
    (move_type,) = SequenceType.find([("name", "=", "Account Move")], limit=1)
    (invoice_type,) = SequenceType.find([("name", "=", "Invoice")], limit=1)
    fiscalyears = []
    for year in years:
        fiscalyear = FiscalYear(name=str(year))
        fiscalyear.start_date = dt.date(year, 1, 1)
        fiscalyear.end_date = dt.date(year, 12, 31)
        fiscalyear.company = company
        move_seq = SequenceStrict(
            name=f"Account Move {year}",
            sequence_type=move_type,
            company=company,
            prefix=f"MV{year}-",
            padding=6,
        )
        move_seq.save()
        fiscalyear.move_sequence = move_seq
        sequences = {}
        for key, prefix in [
            ("out", "INV"),
            ("in", "SUP"),
            ("out_credit", "CN"),
            ("in_credit", "SCN"),
        ]:
            seq = SequenceStrict(
                name=f"{prefix} {year}",
                sequence_type=invoice_type,
                company=company,
                prefix=f"{prefix}{year}-",
                padding=5,
            )
            seq.save()
            sequences[key] = seq
        (line,) = fiscalyear.invoice_sequences
        line.out_invoice_sequence = sequences["out"]
        line.in_invoice_sequence = sequences["in"]
        line.out_credit_note_sequence = sequences["out_credit"]
        line.in_credit_note_sequence = sequences["in_credit"]
        fiscalyear.save()
        fiscalyear.click("create_period")
        fiscalyears.append(fiscalyear.id)

    Journal = Model.get("account.journal")
    PaymentMethod = Model.get("account.invoice.payment.method")
    (cash_journal,) = Journal.find([("type", "=", "cash")])
    method = PaymentMethod(
        name="银行转账 Bank transfer",
        journal=cash_journal,
        credit_account=accounts["cash"],
        debit_account=accounts["cash"],
    )
    method.save()

    PaymentTerm = Model.get("account.invoice.payment_term")
    Delta = Model.get("account.invoice.payment_term.line.delta")
    net30 = PaymentTerm(name="Net 30 days")
    line = net30.lines.new(type="remainder")
    line.relativedeltas.append(Delta(days=30))
    net30.save()
    immediate = PaymentTerm(name="Immediate")
    immediate.lines.new(type="remainder")
    immediate.save()
    return {
        "fiscalyears": fiscalyears,
        "payment_method": method.id,
        "payment_term": net30.id,
        "payment_term_immediate": immediate.id,
        "accounts": {k: v.id for k, v in accounts.items()},
    }


def configure_documents() -> None:
    """Invoice after fulfilment, numbered sequences with prefixes."""
    from proteus import Model

    SaleConfig = Model.get("sale.configuration")
    PurchaseConfig = Model.get("purchase.configuration")
    StockConfig = Model.get("stock.configuration")
    sale_config = SaleConfig(1)
    sale_config.sale_invoice_method = "fulfillment"
    sale_config.sale_shipment_method = "order"
    sale_config.save()
    purchase_config = PurchaseConfig(1)
    purchase_config.purchase_invoice_method = "fulfillment"
    purchase_config.save()
    stock_config = StockConfig(1)
    for sequence, prefix in [
        (sale_config.sale_sequence, "SO"),
        (purchase_config.purchase_sequence, "PO"),
        (stock_config.shipment_out_sequence, "OUT"),
        (stock_config.shipment_in_sequence, "IN"),
        (
            stock_config.inventory_sequence
            if hasattr(stock_config, "inventory_sequence")
            else None,
            "INVT",
        ),
    ]:
        if sequence is None:
            continue
        sequence.prefix = prefix
        sequence.padding = 6
        sequence.save()


def create_products(session, accounting: dict) -> dict:
    """Product categories (carrying the accounts) and goods, by the master-data manager."""
    accounts = accounting["accounts"]

    def enter(transaction):
        pool = session.pool
        Category = pool.get("product.category")
        Uom = pool.get("product.uom")
        Template = pool.get("product.template")
        Product = pool.get("product.product")
        (unit,) = Uom.search([("name", "=", "Unit")])
        categories = Category.create(
            [
                {
                    "name": name,
                    "accounting": True,
                    "account_revenue": accounts["revenue"],
                    "account_expense": accounts["expense"],
                }
                for name in catalog.CATEGORIES
            ]
        )
        by_name = {c.name: c.id for c in categories}
        templates = Template.create(
            [
                {
                    "name": spec.name,
                    "code": spec.code,
                    "default_uom": unit.id,
                    "purchase_uom": unit.id,
                    "sale_uom": unit.id,
                    "type": "goods",
                    "salable": True,
                    "purchasable": True,
                    "list_price": spec.list_price,
                    "account_category": by_name[spec.category],
                    "products": [("create", [{}])],
                }
                for spec in catalog.PRODUCTS
            ]
        )
        products = []
        for template, spec in zip(templates, catalog.PRODUCTS, strict=True):
            (product,) = template.products
            products.append(product)
            product.cost_price = spec.cost_price
        Product.save(products)
        return {"products": [p.id for p in products], "unit": unit.id}

    return session.run("admin", None, enter)


def create_parties(session, accounting: dict) -> dict:
    """Customers and suppliers, each with an address and a payment term."""

    def enter(transaction):
        Party = session.pool.get("party.party")
        values = []
        for number, name in enumerate(catalog.CUSTOMERS):
            values.append(
                {
                    "name": name,
                    "code": f"C{number + 1:04d}",
                    "customer_payment_term": accounting["payment_term"],
                    "addresses": [
                        ("create", [{"city": catalog.CITIES[number % len(catalog.CITIES)]}])
                    ],
                }
            )
        for number, name in enumerate(catalog.SUPPLIERS):
            city = catalog.CITIES[(number + 3) % len(catalog.CITIES)]
            values.append(
                {
                    "name": name,
                    "code": f"S{number + 1:04d}",
                    "supplier_payment_term": accounting["payment_term"],
                    "addresses": [("create", [{"city": city}])],
                }
            )
        parties = Party.create(values)
        ids = [p.id for p in parties]
        return {
            "customers": ids[: len(catalog.CUSTOMERS)],
            "suppliers": ids[len(catalog.CUSTOMERS) :],
        }

    return session.run("admin", None, enter)


def create_people(company_id: int, now: dt.datetime) -> dict:
    """Employees, roles and users with random passwords (never shown anywhere)."""
    from proteus import Model

    Party = Model.get("party.party")
    Employee = Model.get("company.employee")
    Company = Model.get("company.company")
    Group = Model.get("res.group")
    Role = Model.get("res.role")
    User = Model.get("res.user")

    groups = {g.name: g for g in Group.find([])}
    roles = {}
    for name, group_names in catalog.ROLES.items():
        role = Role(name=name)
        for group_name in group_names:
            role.groups.append(Group(groups[group_name].id))
        role.save()
        roles[name] = role

    users = {}
    for person in catalog.PEOPLE:
        party = Party(name=person.name)
        party.save()
        employee = Employee(party=party, company=Company(company_id))
        employee.save()
        user = User()
        user.login = person.login
        user.name = person.name
        user.email = f"{person.login}@huaxin.example"
        user.password = secrets.token_urlsafe(18)
        user.employees.append(Employee(employee.id))
        user.employee = Employee(employee.id)
        for group_name in person.groups:
            user.groups.append(Group(groups[group_name].id))
        for role_name in person.roles:
            user_role = user.roles.new()
            user_role.role = Role(roles[role_name].id)
            if not person.active and person.last_login_days_ago:
                user_role.to_date = now - dt.timedelta(days=person.last_login_days_ago - 1)
        user.save()
        if not person.active:
            user.active = False
            user.save()
        users[person.login] = {"user": user.id, "employee": employee.id}
    # Let the administrator act as an employee too (set-up documents carry a name).
    (admin,) = User.find([("login", "=", catalog.ADMIN_LOGIN)])
    return {"users": users, "admin": admin.id, "roles": {k: v.id for k, v in roles.items()}}


def create_initial_stock(session, moment: dt.datetime, products: list[int]) -> None:
    """Opening inventory counted by the warehouse manager on the day after go-live."""

    def count(transaction):
        pool = session.pool
        Inventory = pool.get("stock.inventory")
        Line = pool.get("stock.inventory.line")
        Location = pool.get("stock.location")
        Product = pool.get("product.product")
        (storage,) = Location.search([("code", "=", "STO")])
        inventory = Inventory(
            location=storage, date=moment.date(), company=transaction.context["company"]
        )
        lines = []
        for product_id, spec in zip(products, catalog.PRODUCTS, strict=True):
            line = Line()
            line.product = Product(product_id)
            line.quantity = 40.0 if spec.list_price > 500 else 400.0
            line.expected_quantity = 0.0
            lines.append(line)
        inventory.lines = lines
        inventory.save()
        Inventory.confirm([inventory])

    session.run("chen.jie", moment, count)
