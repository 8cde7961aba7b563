"""Numbers in time order after the bulk: sales, purchases, shipments, invoices, account moves,
reconciliations; the sequences move past the last number so that Tryton goes on from there."""

from __future__ import annotations

import re

from erpkeeper.demo.finalize import is_postgres
from erpkeeper.demo.templates import ref_id


def update_rows(transaction, table: str, columns: list[tuple[str, str]], rows: list[tuple]):
    """UPDATE table SET columns... WHERE id = the last value of each row, for many rows.

    ``columns``: (name, PostgreSQL type). PostgreSQL gets the rows by COPY into a temporary
    table and one UPDATE ... FROM (row-by-row statements are slow there); SQLite takes them
    one by one, which is fast in-process.
    """
    if not rows:
        return
    cursor = transaction.connection.cursor()
    names = [name for name, _ in columns]
    if not is_postgres(transaction):
        assignments = ", ".join(f'"{name}" = ?' for name in names)
        cursor.executemany(f'UPDATE "{table}" SET {assignments} WHERE id = ?', rows)
        return
    definition = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    cursor.execute(f"CREATE TEMPORARY TABLE ek_update (id INTEGER, {definition}) ON COMMIT DROP")
    quoted = ", ".join(f'"{name}"' for name in names)
    with cursor.copy(f"COPY ek_update ({quoted}, id) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    assignments = ", ".join(f'"{name}" = u."{name}"' for name in names)
    cursor.execute(f'UPDATE "{table}" t SET {assignments} FROM ek_update u WHERE t.id = u.id')
    cursor.execute("DROP TABLE ek_update")


def renumber(transaction, pool) -> None:
    """Give every numbered document its number again, in time order, and move the sequences."""
    cursor = transaction.connection.cursor()
    p = "%s" if is_postgres(transaction) else "?"

    def apply(table: str, pairs: list[tuple]) -> None:
        update_rows(transaction, table, [("number", "VARCHAR")], pairs)

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
            update_rows(
                transaction,
                "account_invoice",
                [
                    ("number", "VARCHAR"),
                    ("number_alnum", "VARCHAR"),
                    ("number_digit", "BIGINT"),
                    ("sequence", "INTEGER"),
                ],
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
    update_rows(transaction, "account_move", [("description", "VARCHAR")], pairs)


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
