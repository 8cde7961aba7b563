"""Integrity invariants of a Tryton database, checked with plain SQL (no trytond needed).

Used by the demo's tests and benchmarks to prove that the built (or restored) database is one
Tryton accepts. Each check is a query that counts violating rows: 0 means the invariant holds.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing

from erpkeeper.lib.dburl import parse


def _amount(column: str, sqlite: bool) -> str:
    # Tryton stores numbers on SQLite as text; on PostgreSQL as exact NUMERIC.
    return f"CAST({column} AS REAL)" if sqlite else column


def queries(sqlite: bool) -> dict[str, str]:
    debit, credit = _amount("l.debit", sqlite), _amount("l.credit", sqlite)
    tolerance = "0.001" if sqlite else "0"
    concat_sale = "'sale.line,' || sl.id"
    return {
        # Every posted account move balances: sum of debit = sum of credit.
        "unbalanced_posted_moves": (
            "SELECT COUNT(*) FROM (SELECT m.id FROM account_move m "
            "JOIN account_move_line l ON l.move = m.id WHERE m.state = 'posted' "
            f"GROUP BY m.id HAVING ABS(SUM({debit}) - SUM({credit})) > {tolerance}) t"
        ),
        # Every stock move's product exists.
        "stock_moves_without_product": (
            "SELECT COUNT(*) FROM stock_move sm "
            "WHERE NOT EXISTS (SELECT 1 FROM product_product p WHERE p.id = sm.product)"
        ),
        # Every invoice line that comes from a sale line points to an existing sale line.
        "invoice_lines_with_missing_sale_line": (
            "SELECT COUNT(*) FROM account_invoice_line il WHERE il.origin LIKE 'sale.line,%' "
            "AND NOT EXISTS (SELECT 1 FROM sale_line sl "
            "WHERE sl.id = CAST(SUBSTR(il.origin, 11) AS INTEGER))"
        ),
        "invoice_lines_with_missing_purchase_line": (
            "SELECT COUNT(*) FROM account_invoice_line il WHERE il.origin LIKE 'purchase.line,%' "
            "AND NOT EXISTS (SELECT 1 FROM purchase_line pl "
            "WHERE pl.id = CAST(SUBSTR(il.origin, 15) AS INTEGER))"
        ),
        "sale_lines_without_sale": (
            "SELECT COUNT(*) FROM sale_line sl "
            "WHERE NOT EXISTS (SELECT 1 FROM sale_sale s WHERE s.id = sl.sale)"
        ),
        "move_lines_without_move": (
            "SELECT COUNT(*) FROM account_move_line l "
            "WHERE NOT EXISTS (SELECT 1 FROM account_move m WHERE m.id = l.move)"
        ),
        "posted_invoices_without_posted_move": (
            "SELECT COUNT(*) FROM account_invoice i WHERE i.state IN ('posted', 'paid') "
            "AND NOT EXISTS (SELECT 1 FROM account_move m WHERE m.id = i.move "
            "AND m.state = 'posted')"
        ),
        "moves_outside_their_period": (
            "SELECT COUNT(*) FROM account_move m JOIN account_period p ON p.id = m.period "
            "WHERE m.date < p.start_date OR m.date > p.end_date"
        ),
        "paid_invoices_not_reconciled": (
            "SELECT COUNT(*) FROM account_invoice i WHERE i.state = 'paid' AND EXISTS ("
            "SELECT 1 FROM account_move_line l JOIN account_account a ON a.id = l.account "
            "WHERE l.move = i.move AND a.reconcile AND l.reconciliation IS NULL)"
        ),
        "done_sales_not_fulfilled": (
            "SELECT COUNT(*) FROM sale_sale s WHERE s.state = 'done' "
            "AND (s.shipment_state <> 'sent' OR s.invoice_state <> 'paid')"
        ),
        "duplicate_sale_numbers": (
            "SELECT COUNT(*) FROM (SELECT number FROM sale_sale WHERE number IS NOT NULL "
            "GROUP BY number HAVING COUNT(*) > 1) t"
        ),
        "duplicate_invoice_numbers": (
            "SELECT COUNT(*) FROM (SELECT number FROM account_invoice WHERE number IS NOT NULL "
            "GROUP BY type, number HAVING COUNT(*) > 1) t"
        ),
        "duplicate_move_numbers": (
            "SELECT COUNT(*) FROM (SELECT number FROM account_move WHERE number IS NOT NULL "
            "GROUP BY number HAVING COUNT(*) > 1) t"
        ),
        "shipped_before_confirmed": (
            "SELECT COUNT(*) FROM sale_sale s JOIN sale_line sl ON sl.sale = s.id "
            f"JOIN stock_move sm ON sm.origin = {concat_sale} "
            "WHERE sm.effective_date IS NOT NULL AND sm.effective_date < s.sale_date"
        ),
        "invoiced_before_sold": (
            "SELECT COUNT(*) FROM sale_sale s JOIN sale_line sl ON sl.sale = s.id "
            f"JOIN account_invoice_line il ON il.origin = {concat_sale} "
            "JOIN account_invoice i ON i.id = il.invoice "
            "WHERE i.invoice_date IS NOT NULL AND i.invoice_date < s.sale_date"
        ),
        "written_before_created": (
            "SELECT COUNT(*) FROM sale_sale WHERE write_date IS NOT NULL "
            "AND write_date < create_date"
        ),
    }


def check_invariants(db_url: str) -> dict[str, int]:
    """Count violations of each invariant in the database at ``db_url`` (0 everywhere = OK)."""
    target = parse(db_url)
    if target.engine == "sqlite":
        with closing(sqlite3.connect(f"file:{target.path}?mode=ro", uri=True)) as conn:
            return {name: conn.execute(sql).fetchone()[0] for name, sql in queries(True).items()}
    import psycopg

    with psycopg.connect(target.unparse()) as conn:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in queries(False).items()}


def violations(db_url: str) -> dict[str, int]:
    """Only the invariants that do not hold."""
    return {name: count for name, count in check_invariants(db_url).items() if count}


# --- business fingerprint -------------------------------------------------------------------------
FINGERPRINT_QUERIES = {
    "sales": (
        "SELECT s.number, p.name, s.state, s.invoice_state, s.shipment_state, s.sale_date, "
        "s.quotation_date, s.total_amount_cache, s.reference, s.create_date, s.write_date "
        "FROM sale_sale s JOIN party_party p ON p.id = s.party"
    ),
    "sale_lines": (
        "SELECT s.number, s.create_date, t.code, l.quantity, l.unit_price FROM sale_line l "
        "JOIN sale_sale s ON s.id = l.sale JOIN product_product pp ON pp.id = l.product "
        "JOIN product_template t ON t.id = pp.template"
    ),
    "purchases": (
        "SELECT o.number, p.name, o.state, o.invoice_state, o.shipment_state, o.purchase_date, "
        "o.total_amount_cache, o.create_date FROM purchase_purchase o "
        "JOIN party_party p ON p.id = o.party"
    ),
    "invoices": (
        "SELECT i.number, i.type, i.state, i.invoice_date, i.total_amount_cache, p.name, "
        "i.reference, i.create_date FROM account_invoice i JOIN party_party p ON p.id = i.party"
    ),
    "account_moves": (
        "SELECT m.number, m.date, m.post_date, m.state, j.code, m.description "
        "FROM account_move m JOIN account_journal j ON j.id = m.journal"
    ),
    "account_move_lines": (
        "SELECT m.number, a.code, l.debit, l.credit, l.maturity_date FROM account_move_line l "
        "JOIN account_move m ON m.id = l.move JOIN account_account a ON a.id = l.account"
    ),
    "stock_moves": (
        "SELECT t.code, sm.quantity, sm.state, sm.effective_date, sm.planned_date, "
        "f.code, d.code, sm.create_date FROM stock_move sm "
        "JOIN product_product pp ON pp.id = sm.product "
        "JOIN product_template t ON t.id = pp.template "
        "JOIN stock_location f ON f.id = sm.from_location "
        "JOIN stock_location d ON d.id = sm.to_location"
    ),
    "events": (
        "SELECT g.event, g.target, g.create_date, u.login, "
        "SUBSTR(g.resource, 1, INSTR(g.resource, ',')) FROM ir_model_log g "
        'LEFT JOIN res_user u ON u.id = g."user"'
    ),
    "users": (
        "SELECT u.login, u.name, u.active, g.name FROM res_user u "
        'LEFT JOIN "res_user-res_group" ug ON ug."user" = u.id '
        'LEFT JOIN res_group g ON g.id = ug."group"'
    ),
    "logins": (
        "SELECT u.login, s.create_date, s.ip_address FROM ir_session s "
        "JOIN res_user u ON u.id = s.create_uid"
    ),
    "failed_logins": "SELECT login, create_date, ip_address FROM res_user_login_attempt",
}


def _normal(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def business_fingerprint(db_url: str) -> dict[str, str]:
    """A digest per kind of business data, independent of the database engine and of ids:
    two builds with the same seed and day, or a database and its restored copy, match."""
    import hashlib

    target = parse(db_url)
    sqlite = target.engine == "sqlite"
    result = {}
    if sqlite:
        conn = sqlite3.connect(f"file:{target.path}?mode=ro", uri=True)
    else:
        import psycopg

        conn = psycopg.connect(target.unparse())
    try:
        for name, sql in FINGERPRINT_QUERIES.items():
            if not sqlite:
                sql = sql.replace("INSTR(g.resource, ',')", "STRPOS(g.resource, ',')")
            rows = sorted("|".join(_normal(v) for v in row) for row in conn.execute(sql).fetchall())
            digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
            result[name] = f"{len(rows)}:{digest}"
    finally:
        conn.close()
    return result
