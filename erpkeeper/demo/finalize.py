"""Make the history look lived-in: timestamps rewritten to the simulated moments.

Works with plain SQL on the Tryton connection, for SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from erpkeeper.demo.session import CLOCK_TABLE


def is_postgres(transaction) -> bool:
    return transaction.database.flavor.paramstyle == "format"


def timestamp_tables(transaction) -> list[str]:
    """Tables that have both create_date and write_date columns (all Tryton model tables)."""
    cursor = transaction.connection.cursor()
    if is_postgres(transaction):
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() "
            "AND column_name IN ('create_date', 'write_date') "
            "GROUP BY table_name HAVING COUNT(*) = 2 ORDER BY table_name"
        )
        return [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    tables = []
    for (name,) in cursor.fetchall():
        cursor.execute(f'PRAGMA table_info("{name}")')
        columns = {row[1] for row in cursor.fetchall()}
        if {"create_date", "write_date"} <= columns:
            tables.append(name)
    return tables


def apply_clock(transaction, tables: list[str]) -> None:
    """Replace each transaction's real timestamp by its simulated moment."""
    cursor = transaction.connection.cursor()
    for table in tables:
        for column in ("create_date", "write_date"):
            cursor.execute(
                f'UPDATE "{table}" SET "{column}" = '
                f"(SELECT MIN(c.sim_ts) FROM {CLOCK_TABLE} c "
                f'WHERE c.real_ts = "{table}"."{column}") '
                f'WHERE "{column}" IN (SELECT real_ts FROM {CLOCK_TABLE})'
            )


def fix_leftovers(transaction, tables: list[str], threshold: dt.datetime, moment: dt.datetime):
    """Rows stamped during the build outside any simulated transaction (module activation,
    master data) are dated to the go-live moment."""
    cursor = transaction.connection.cursor()
    param = "%s" if is_postgres(transaction) else "?"
    for table in tables:
        for column in ("create_date", "write_date"):
            cursor.execute(
                f'UPDATE "{table}" SET "{column}" = {param} WHERE "{column}" >= {param}',
                (moment, threshold),
            )


def fix_queue(transaction, anchor: dt.datetime) -> None:
    """Queue tasks ran at once in the simulation: their times are their creation time.
    Like Tryton's queue cleaning cron, finished tasks older than 30 days are gone."""
    cursor = transaction.connection.cursor()
    param = "%s" if is_postgres(transaction) else "?"
    cursor.execute(
        "UPDATE ir_queue SET enqueued_at = create_date, dequeued_at = create_date, "
        "finished_at = create_date, scheduled_at = NULL, expected_at = NULL"
    )
    cursor.execute(
        f"DELETE FROM ir_queue WHERE finished_at < {param}", (anchor - dt.timedelta(days=30),)
    )


def drop_clock(transaction) -> None:
    transaction.connection.cursor().execute(f"DROP TABLE IF EXISTS {CLOCK_TABLE}")


def set_user_dates(transaction, user_dates: dict[int, dt.datetime]) -> None:
    cursor = transaction.connection.cursor()
    param = "%s" if is_postgres(transaction) else "?"
    for user_id, moment in user_dates.items():
        cursor.execute(
            f"UPDATE res_user SET create_date = {param}, write_date = {param} WHERE id = {param}",
            (moment, moment, user_id),
        )
        cursor.execute(
            f'UPDATE "res_user-res_group" SET create_date = {param} WHERE "user" = {param}',
            (moment, user_id),
        )
        cursor.execute(
            f"UPDATE res_user_role SET create_date = {param}, from_date = {param} "
            f'WHERE "user" = {param}',
            (moment, moment, user_id),
        )
        # The person joined then: their employee record and its party too.
        cursor.execute(
            f"UPDATE company_employee SET create_date = {param}, write_date = NULL "
            f"WHERE id IN (SELECT employee FROM res_user WHERE id = {param})",
            (moment, user_id),
        )
        cursor.execute(
            f"UPDATE party_party SET create_date = {param}, write_date = NULL WHERE id IN "
            "(SELECT e.party FROM company_employee e JOIN res_user u ON u.employee = e.id "
            f"WHERE u.id = {param})",
            (moment, user_id),
        )


def set_creators(transaction, table: str, user_id: int, ids: list[int] | None = None) -> None:
    """Master data entered by a given person (e.g. products by the master-data manager)."""
    cursor = transaction.connection.cursor()
    param = "%s" if is_postgres(transaction) else "?"
    where = ""
    if ids is not None:
        where = f" WHERE id IN ({', '.join(str(int(i)) for i in ids) or 'NULL'})"
    cursor.execute(
        f'UPDATE "{table}" SET create_uid = {param}, write_uid = CASE WHEN write_uid IS NULL '
        f"THEN NULL ELSE {param} END{where}",
        (user_id, user_id),
    )
