"""ERP-level invariants of a Tryton database, used to verify restored backups.

Each check is two set-based queries (how many rows were checked, which rows fail); none reads
rows one by one in Python, so they stay fast on databases with hundreds of thousands of
documents. A check whose module is not activated is skipped: 0 checked, ``skipped`` names what
is missing. Descriptions are msgids (gettext_noop): the drill report translates them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop

from erpkeeper.targets.adapters.base import InvariantResult
from erpkeeper.targets.adapters.sql import ReadOnlyConnection

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    modules: tuple[str, ...]
    tables: tuple[str, ...]
    build: Callable[[ReadOnlyConnection], tuple[str, str, tuple]]
    # build(db) -> (SQL counting checked rows, SQL selecting failing rows, params of both);
    # the failing query's first column is the record id, the rest make the example text.
    example: Callable[[ReadOnlyConnection, tuple], str]


def amount(value: Decimal | None) -> str:
    """Amounts printed alike on both engines: at least two decimals, no float noise."""
    if value is None:
        return "none"
    value = value.normalize()
    if -value.as_tuple().exponent < 2:
        value = value.quantize(Decimal("0.01"))
    return f"{value:f}"


def _posted_moves_balance(db):
    debit, credit = db.exact_sum("l.debit"), db.exact_sum("l.credit")
    return (
        "SELECT COUNT(*) FROM account_move WHERE state = %s",
        f"SELECT m.id, m.number, {debit}, {credit} FROM account_move m "
        "JOIN account_move_line l ON l.move = m.id WHERE m.state = %s "
        f"GROUP BY m.id, m.number HAVING {debit} <> {credit} ORDER BY m.id",
        ("posted",),
    )


def _posted_moves_balance_example(db, row):
    move_id, number, debit, credit = row
    return (
        f"account.move,{move_id} (number {number or '-'}): debit "
        f"{amount(db.decimal_from_exact_sum(debit))} != credit "
        f"{amount(db.decimal_from_exact_sum(credit))}"
    )


def _posted_moves_have_lines(db):
    return (
        "SELECT COUNT(*) FROM account_move WHERE state = %s",
        "SELECT m.id, m.number FROM account_move m WHERE m.state = %s AND NOT EXISTS "
        "(SELECT 1 FROM account_move_line l WHERE l.move = m.id) ORDER BY m.id",
        ("posted",),
    )


def _dangling(table: str, column: str, target: str, nullable: bool = False):
    """Rows of ``table`` whose ``column`` points to no row of ``target``."""

    def build(db):
        condition = f'x.id IS NULL AND t."{column}" IS NOT NULL' if nullable else "x.id IS NULL"
        return (
            f"SELECT COUNT(*) FROM {table}",
            f'SELECT t.id, t."{column}" FROM {table} t LEFT JOIN {target} x '
            f'ON x.id = t."{column}" WHERE {condition} ORDER BY t.id',
            (),
        )

    return build


def _dangling_example(model: str, column: str, target: str):
    def example(db, row):
        record_id, value = row
        return f"{model},{record_id}: {column} {value if value is not None else 'empty'} " + (
            f"is not an existing {target}" if value is not None else f"names no {target}"
        )

    return example


def _origin_points_to(table: str, prefix: str, target: str):
    """Rows of ``table`` whose ``origin`` is ``'<prefix>N'`` with no row N in ``target``."""

    def build(db):
        pattern = prefix + "%"
        return (
            f"SELECT COUNT(*) FROM {table} WHERE origin LIKE %s",
            f"SELECT t.id, t.origin FROM {table} t LEFT JOIN {target} x "
            f"ON x.id = {db.reference_id('t.origin', prefix)} "
            "WHERE t.origin LIKE %s AND x.id IS NULL ORDER BY t.id",
            (pattern,),
        )

    return build


def _origin_example(model: str, target_model: str):
    def example(db, row):
        record_id, origin = row
        return f"{model},{record_id}: origin {origin} is not an existing {target_model}"

    return example


def _done_moves_have_effective_date(db):
    return (
        "SELECT COUNT(*) FROM stock_move WHERE state = %s",
        "SELECT id, product FROM stock_move WHERE state = %s AND effective_date IS NULL "
        "ORDER BY id",
        ("done",),
    )


def _posted_invoices_have_moves(db):
    return (
        "SELECT COUNT(*) FROM account_invoice WHERE state IN (%s, %s)",
        "SELECT i.id, i.number, i.state, i.move FROM account_invoice i "
        "LEFT JOIN account_move m ON m.id = i.move "
        "WHERE i.state IN (%s, %s) AND m.id IS NULL ORDER BY i.id",
        ("posted", "paid"),
    )


def _posted_invoices_example(db, row):
    invoice_id, number, state, move = row
    what = f"account move {move} does not exist" if move is not None else "it has no account move"
    return f"account.invoice,{invoice_id} (number {number or '-'}) is {state} but {what}"


def _paid_invoices_reconciled(db):
    # Tryton marks an invoice paid once all its "lines to pay" (lines of its move, and of its
    # additional moves, on the invoice's account) are reconciled. Aggregated joins, not
    # correlated subqueries: SQLite without statistics plans those badly on large tables.
    lines_to_pay = (
        "SELECT i.id AS invoice, l.reconciliation AS rec FROM account_invoice i "
        "JOIN account_move_line l ON l.move = i.move AND l.account = i.account "
        "WHERE i.state = 'paid'"
    )
    if db.has_table("account_invoice-additional-account_move"):
        lines_to_pay += (
            " UNION ALL SELECT i.id, l.reconciliation "
            'FROM "account_invoice-additional-account_move" am '
            "JOIN account_invoice i ON i.id = am.invoice "
            "JOIN account_move_line l ON l.move = am.move AND l.account = i.account "
            "WHERE i.state = 'paid'"
        )
    return (
        "SELECT COUNT(*) FROM account_invoice WHERE state = %s",
        "SELECT i.id, i.number FROM account_invoice i LEFT JOIN "
        f"(SELECT invoice, COUNT(*) AS lines, COUNT(rec) AS reconciled FROM ({lines_to_pay}) p "
        "GROUP BY invoice) t ON t.invoice = i.id "
        "WHERE i.state = %s AND (t.invoice IS NULL OR t.reconciled < t.lines) ORDER BY i.id",
        ("paid",),
    )


def _numbered_example(model: str, text: str):
    def example(db, row):
        record_id, number = row[0], row[1]
        return f"{model},{record_id} (number {number or '-'}) {text}"

    return example


CHECKS: tuple[Check, ...] = (
    Check(
        "posted_moves_balance",
        gettext_noop("Every posted account move balances: sum(debit) = sum(credit)."),
        ("account",),
        ("account_move", "account_move_line"),
        _posted_moves_balance,
        _posted_moves_balance_example,
    ),
    Check(
        "posted_moves_have_lines",
        gettext_noop("Every posted account move has at least one line."),
        ("account",),
        ("account_move", "account_move_line"),
        _posted_moves_have_lines,
        _numbered_example("account.move", "is posted without lines"),
    ),
    Check(
        "move_lines_belong_to_moves",
        gettext_noop("Every account move line belongs to an existing account move."),
        ("account",),
        ("account_move", "account_move_line"),
        _dangling("account_move_line", "move", "account_move"),
        _dangling_example("account.move.line", "move", "account move"),
    ),
    Check(
        "move_lines_accounts_exist",
        gettext_noop("Every account move line is on an existing account."),
        ("account",),
        ("account_account", "account_move_line"),
        _dangling("account_move_line", "account", "account_account"),
        _dangling_example("account.move.line", "account", "account"),
    ),
    Check(
        "stock_move_products_exist",
        gettext_noop("Every stock move references an existing product."),
        ("stock",),
        ("stock_move", "product_product"),
        _dangling("stock_move", "product", "product_product"),
        _dangling_example("stock.move", "product", "product"),
    ),
    Check(
        "done_stock_moves_have_effective_date",
        gettext_noop("Every done stock move has an effective date."),
        ("stock",),
        ("stock_move",),
        _done_moves_have_effective_date,
        lambda db, row: f"stock.move,{row[0]} (product {row[1]}) is done without effective date",
    ),
    Check(
        "sale_lines_belong_to_sales",
        gettext_noop("Every sale line belongs to an existing sale."),
        ("sale",),
        ("sale_line", "sale_sale"),
        _dangling("sale_line", "sale", "sale_sale"),
        _dangling_example("sale.line", "sale", "sale"),
    ),
    Check(
        "purchase_lines_belong_to_purchases",
        gettext_noop("Every purchase line belongs to an existing purchase."),
        ("purchase",),
        ("purchase_line", "purchase_purchase"),
        _dangling("purchase_line", "purchase", "purchase_purchase"),
        _dangling_example("purchase.line", "purchase", "purchase"),
    ),
    Check(
        "invoice_lines_belong_to_invoices",
        gettext_noop("Every invoice line attached to an invoice points to an existing invoice."),
        ("account_invoice",),
        ("account_invoice_line", "account_invoice"),
        _dangling("account_invoice_line", "invoice", "account_invoice", nullable=True),
        _dangling_example("account.invoice.line", "invoice", "invoice"),
    ),
    Check(
        "sale_invoice_lines_point_to_sale_lines",
        gettext_noop(
            "Every invoice line with origin 'sale.line,N' points to an existing sale line."
        ),
        ("sale", "account_invoice"),
        ("account_invoice_line", "sale_line"),
        _origin_points_to("account_invoice_line", "sale.line,", "sale_line"),
        _origin_example("account.invoice.line", "sale line"),
    ),
    Check(
        "purchase_invoice_lines_point_to_purchase_lines",
        gettext_noop(
            "Every invoice line with origin 'purchase.line,N' points to an existing purchase line."
        ),
        ("purchase", "account_invoice"),
        ("account_invoice_line", "purchase_line"),
        _origin_points_to("account_invoice_line", "purchase.line,", "purchase_line"),
        _origin_example("account.invoice.line", "purchase line"),
    ),
    Check(
        "sale_stock_moves_point_to_sale_lines",
        gettext_noop("Every stock move with origin 'sale.line,N' points to an existing sale line."),
        ("sale", "stock"),
        ("stock_move", "sale_line"),
        _origin_points_to("stock_move", "sale.line,", "sale_line"),
        _origin_example("stock.move", "sale line"),
    ),
    Check(
        "posted_invoices_have_moves",
        gettext_noop("Every posted or paid invoice has an existing account move."),
        ("account_invoice",),
        ("account_invoice", "account_move"),
        _posted_invoices_have_moves,
        _posted_invoices_example,
    ),
    Check(
        "paid_invoices_are_reconciled",
        gettext_noop("Every paid invoice has lines to pay, all of them reconciled."),
        ("account_invoice",),
        ("account_invoice", "account_move_line"),
        _paid_invoices_reconciled,
        _numbered_example("account.invoice", "is paid but not fully reconciled"),
    ),
)


def run(db: ReadOnlyConnection, modules: set[str]) -> list[InvariantResult]:
    return [run_check(db, modules, check) for check in CHECKS]


def run_check(db: ReadOnlyConnection, modules: set[str], check: Check) -> InvariantResult:
    missing = [m for m in check.modules if m not in modules]
    missing += [t for t in check.tables if not db.has_table(t)]
    if missing:
        return InvariantResult(
            name=check.name,
            description=check.description,
            passed=True,
            skipped=", ".join(missing),
            checked=0,
            failed=0,
        )
    count_sql, failing_sql, params = check.build(db)
    checked = int(db.scalar(count_sql, params) or 0)
    failed = int(db.scalar(f"SELECT COUNT(*) FROM ({failing_sql}) f", params) or 0)
    examples = []
    if failed:
        rows = db.execute(f"{failing_sql} LIMIT {MAX_EXAMPLES}", params)
        examples = [check.example(db, row) for row in rows]
    return InvariantResult(
        name=check.name,
        description=check.description,
        passed=failed == 0,
        checked=checked,
        failed=failed,
        examples=examples,
    )
