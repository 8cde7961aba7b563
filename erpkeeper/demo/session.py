"""Acting inside the Tryton database as its users, at simulated moments of the past.

Runs only in the builder's child process (trytond keeps global state). Each ``run`` is one
Tryton transaction as one user with access rights checked, like a click in the Tryton client.
Tryton stamps create_date/write_date and ir_model_log with the database's CURRENT_TIMESTAMP,
which is constant within a transaction: every transaction records the pair
(real timestamp, simulated moment) in the table ``ek_demo_clock``, and ``finalize`` later
rewrites the real timestamps into the simulated ones everywhere.
"""

from __future__ import annotations

import datetime as dt
import logging

from sql import Table
from sql.functions import CurrentTimestamp

logger = logging.getLogger(__name__)

CLOCK_TABLE = "ek_demo_clock"


class Session:
    def __init__(self, database_name: str):
        from trytond.pool import Pool

        self.database_name = database_name
        self.pool = Pool(database_name)
        self.locks: set[str] = set()
        self.now: dt.datetime | None = None
        self.users: dict[str, int] = {}
        self.contexts: dict[str, dict] = {}
        self._patch_today()

    # --- the simulated date ---------------------------------------------------------------
    def _patch_today(self) -> None:
        """Make Tryton's "today" (ir.date.today) the simulated day while acting."""
        session = self
        Date = self.pool.get("ir.date")
        original = Date.today

        def today(timezone=None):
            if session.now is not None:
                return session.now.date()
            return original(timezone)

        Date.today = staticmethod(today)

    # --- transactions -----------------------------------------------------------------------
    def create_clock_table(self) -> None:
        from trytond.transaction import Transaction

        with Transaction().start(self.database_name, 0) as transaction:
            cursor = transaction.connection.cursor()
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {CLOCK_TABLE} "
                "(real_ts TIMESTAMP NOT NULL, sim_ts TIMESTAMP NOT NULL)"
            )

    def login(self, login: str) -> None:
        """Remember a user's id and preferences (as the client gets them at login)."""
        from trytond.transaction import Transaction

        with Transaction().start(self.database_name, 0) as transaction:
            User = self.pool.get("res.user")
            with transaction.set_context(active_test=False):
                (user,) = User.search([("login", "=", login)])
            self.users[login] = user.id
            with transaction.set_user(user.id):
                self.contexts[login] = User.get_preferences(context_only=True)

    def run(
        self,
        login: str,
        moment: dt.datetime | None,
        func,
        *,
        check_access: bool = True,
        context: dict | None = None,
    ):
        """Run ``func(transaction)`` as ``login`` at ``moment``; commit; return its result."""
        from trytond.transaction import Transaction, TransactionError

        user_id = self.users[login] if login != "root" else 0
        base = dict(self.contexts.get(login, {}))
        base.update(context or {})
        base["_check_access"] = check_access
        base["_skip_warnings"] = True
        self.now = moment
        try:
            while True:
                with Transaction().start(
                    self.database_name, user_id, context=base, _lock_tables=sorted(self.locks)
                ) as transaction:
                    try:
                        if moment is not None:
                            self._stamp(transaction, moment)
                        result = func(transaction)
                        self.run_tasks(transaction)
                    except TransactionError as error:
                        transaction.rollback()
                        extras: dict = {}
                        error.fix(extras)
                        learned = set(extras.get("_lock_tables", []))
                        learned |= set(extras.get("_lock_records", {}))
                        if learned <= self.locks:
                            raise
                        self.locks |= learned
                        logger.debug("retry with locks %s", sorted(self.locks))
                        continue
                return result
        finally:
            self.now = None

    def _stamp(self, transaction, moment: dt.datetime) -> None:
        clock = Table(CLOCK_TABLE)
        cursor = transaction.connection.cursor()
        cursor.execute(*clock.insert([clock.real_ts, clock.sim_ts], [[CurrentTimestamp(), moment]]))

    def run_tasks(self, transaction) -> None:
        """Run the queued tasks now, inside the same transaction (as a worker would, later).

        Invoice report rendering is skipped: it only fills a cache of printed invoices.
        """
        Queue = self.pool.get("ir.queue")
        while transaction.tasks:
            task = Queue(transaction.tasks.pop(0))
            if task.data.get("method") == "print_invoice":
                Queue.delete([task])
                continue
            # A worker runs the task in a fresh transaction as root with an empty context;
            # the task then switches to the user and context it was queued with.
            with transaction.reset_context(), transaction.set_user(0):
                task.run()
