"""The child process that builds the demo Tryton database.

    python -m erpkeeper.demo.builder --config trytond.conf --database NAME \
        --size small --seed 1 --anchor 2026-11-24

trytond keeps global state (configuration, pool), so the build runs in its own process:
``erpkeeper.demo.build_demo`` starts it and reads the progress lines it prints (see protocol).
The administrator password is read by trytond from the file named by TRYTONPASSFILE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
import traceback

from erpkeeper.demo import catalog, protocol
from erpkeeper.demo.timeline import core_plans

MODULES = ["sale", "purchase", "stock", "account_invoice_stock", "user_role"]
ADMIN_EMAIL = "admin@huaxin.example"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m erpkeeper.demo.builder")
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--size", choices=sorted(catalog.SIZES), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor", type=dt.date.fromisoformat, required=True)
    parser.add_argument(
        "--activated", action="store_true", help="the modules are already activated (copied base)"
    )
    parser.add_argument(
        "--save-base", metavar="PATH", help="keep a copy of the freshly activated SQLite database"
    )
    return parser.parse_args(argv)


def activate(config_file: str, database: str) -> None:
    """What ``trytond-admin -u MODULES --activate-dependencies`` does, in this process."""
    from trytond import commandline, config

    parser = commandline.get_parser_admin()
    options = parser.parse_args(
        [
            "-c",
            config_file,
            "-d",
            database,
            "--email",
            ADMIN_EMAIL,
            "-u",
            *MODULES,
            "--activate-dependencies",
        ]
    )
    options.indexes = True
    config.update_etc(options.configfile)
    import trytond.admin as admin

    admin.run(options)


# Timestamps of a saved base: far in the future, so that a later build dates them to its
# go-live moment like the rows it activates itself.
BASE_SENTINEL = "2999-12-31 00:00:00"


def save_base(config_file: str, database: str, target: str) -> None:
    """Copy the freshly activated SQLite database for later builds (ERPKeeper's base cache)."""
    import os
    import sqlite3
    from contextlib import closing
    from pathlib import Path

    from trytond import config

    source = Path(config.get("database", "path")) / f"{database}.sqlite"
    target_path = Path(target)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    partial = target_path.with_name(f"{target_path.name}.{os.getpid()}.partial")
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
        src.backup(dst)
    with closing(sqlite3.connect(partial)) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
            for column in {"create_date", "write_date"} & columns:
                conn.execute(
                    f'UPDATE "{table}" SET "{column}" = ? WHERE "{column}" IS NOT NULL',
                    (BASE_SENTINEL,),
                )
        conn.commit()
        conn.execute("PRAGMA journal_mode = DELETE")
    os.replace(partial, target_path)


def stage_weights(spec) -> dict[str, float]:
    return {
        "activate": 20.0,
        "setup": 6.0,
        "core": 25.0,
        "dating": 0.5,
        "bulk": max(0.5, (spec.bulk_sales + spec.bulk_purchases) / 150.0),
        "finish": 0.5 + spec.bulk_sales / 50000.0,
    }


class Build:
    """The stages of one build, in order; each one timed and shown on the progress bar."""

    def __init__(self, args):
        self.args = args
        self.spec = catalog.SIZES[args.size]
        self.progress = protocol.Progress(stage_weights(self.spec))
        self.timings: dict[str, float] = {}
        self.planner, self.sale_plans, self.purchase_plans = core_plans(args.seed, args.anchor)
        self.clock = self.planner.clock
        self.threshold = dt.datetime.combine(args.anchor, dt.time())
        self.session = self.flows = None
        self.master: dict = {}
        self.bulk_summary: dict = {}

    def run(self) -> dict:
        started = time.monotonic()
        for stage in (self.activate, self.setup, self.core, self.dating, self.bulk, self.logins):
            mark = time.monotonic()
            stage()
            self.timings[stage.__name__] = round(time.monotonic() - mark, 2)
        summary = self.summary()
        summary["seconds"] = round(time.monotonic() - started, 2)
        self.progress.finish("demo ERP ready")
        return summary

    def activate(self) -> None:
        args = self.args
        if args.activated:
            from trytond import config

            config.update_etc(args.config)
            return
        self.progress.stage("activate", "activating Tryton modules (sale, purchase, stock, ...)")
        activate(args.config, args.database)
        if args.save_base:
            save_base(args.config, args.database, args.save_base)

    def setup(self) -> None:
        """Master data as of go-live: company, accounting, products, parties, people, stock."""
        from erpkeeper.demo import setup
        from erpkeeper.demo.session import Session

        args, clock, progress = self.args, self.clock, self.progress
        progress.stage("setup", "company, chart of accounts, fiscal years, products, people")
        cfg = setup.configure_proteus(args.database, args.config)
        if args.activated:
            setup.reset_admin(args.database, ADMIN_EMAIL)
        master = self.master
        master.update(setup.create_company(cfg))
        years = list(range(clock.go_live.year, args.anchor.year + 1))
        master.update(setup.create_accounting(cfg, years))
        progress.update("setup", 0.4, "documents configuration")
        setup.configure_documents()
        session = self.session = Session(args.database)
        session.create_clock_table()
        session.login("admin")
        master.update(setup.create_products(session, master))
        master.update(setup.create_parties(session, master))
        progress.update("setup", 0.7, "employees, users and roles")
        master.update(setup.create_people(master["company"], self.threshold))
        for person in catalog.PEOPLE:
            if person.active:
                session.login(person.login)
        opening = clock.go_live + dt.timedelta(days=1, hours=-0.5)
        setup.create_initial_stock(session, opening, master["products"])

    def core(self) -> None:
        from erpkeeper.demo.flows import Flows

        progress = self.progress
        self.flows = Flows(self.session, self.master)
        self.flows.play(
            self.sale_plans + self.purchase_plans,
            progress=lambda done, total, msg: progress.update("core", done / total, f"core: {msg}"),
        )

    def dating(self) -> None:
        """Real timestamps -> simulated moments; master data entered by the data manager."""
        from trytond.transaction import Transaction

        from erpkeeper.demo import finalize

        self.progress.stage("dating", "dating the history")
        master = self.master
        with Transaction().start(self.args.database, 0) as transaction:
            tables = finalize.timestamp_tables(transaction)
            finalize.apply_clock(transaction, tables)
            finalize.fix_leftovers(transaction, tables, self.threshold, self.clock.go_live)
            finalize.fix_queue(transaction, self.threshold)
            finalize.drop_clock(transaction)
            data_manager = master["users"]["wu.hao"]["user"]
            for table in ("product_category", "product_template", "product_product"):
                finalize.set_creators(transaction, table, data_manager)
            parties = master["customers"] + master["suppliers"]
            finalize.set_creators(transaction, "party_party", data_manager, parties)
            finalize.set_creators(transaction, "party_address", data_manager)

    def bulk(self) -> None:
        if not (self.spec.bulk_sales or self.spec.bulk_purchases):
            return
        from erpkeeper.demo import bulk

        progress = self.progress
        progress.stage("bulk", "bulk documents")
        self.bulk_summary = bulk.run(
            self.args.database,
            self.planner,
            self.flows,
            self.spec,
            self.sale_plans + self.purchase_plans,
            progress=lambda f, msg: progress.update("bulk", f, msg),
        )

    def logins(self) -> None:
        from trytond.transaction import Transaction

        from erpkeeper.demo import finalize, logins

        self.progress.stage("finish", "login history, counts")
        user_ids = {login: v["user"] for login, v in self.master["users"].items()}
        rows = logins.generate(self.args.seed, self.clock, user_ids, self.master["admin"])
        with Transaction().start(self.args.database, 0) as transaction:
            finalize.set_user_dates(transaction, logins.join_dates(user_ids, self.clock))
            logins.insert(transaction, rows)

    def summary(self) -> dict:
        args = self.args
        summary = counts(args.database)
        summary.update(
            size=args.size,
            seed=args.seed,
            anchor=args.anchor.isoformat(),
            history_start=self.clock.start.isoformat(),
            history_end=(args.anchor - dt.timedelta(days=1)).isoformat(),
            timezone=catalog.COMPANY_TIMEZONE,
            currency=catalog.COMPANY_CURRENCY,
            admin_login=catalog.ADMIN_LOGIN,
            sod_conflict_user=catalog.SOD_CONFLICT_LOGIN,
            dormant_users=list(catalog.DORMANT_LOGINS),
            bulk=self.bulk_summary,
            timings=self.timings,
        )
        return summary


def build(args) -> dict:
    return Build(args).run()


COUNT_QUERIES = {
    "sales": "SELECT state, COUNT(*) FROM sale_sale GROUP BY state",
    "purchases": "SELECT state, COUNT(*) FROM purchase_purchase GROUP BY state",
    "customer_invoices": (
        "SELECT state, COUNT(*) FROM account_invoice WHERE type = 'out' GROUP BY state"
    ),
    "supplier_invoices": (
        "SELECT state, COUNT(*) FROM account_invoice WHERE type = 'in' GROUP BY state"
    ),
    "shipments_out": "SELECT state, COUNT(*) FROM stock_shipment_out GROUP BY state",
    "shipments_in": "SELECT state, COUNT(*) FROM stock_shipment_in GROUP BY state",
}
TOTAL_QUERIES = {
    "sale_lines": "SELECT COUNT(*) FROM sale_line",
    "purchase_lines": "SELECT COUNT(*) FROM purchase_line",
    "stock_moves": "SELECT COUNT(*) FROM stock_move",
    "account_moves": "SELECT COUNT(*) FROM account_move",
    "account_move_lines": "SELECT COUNT(*) FROM account_move_line",
    "events": "SELECT COUNT(*) FROM ir_model_log",
    "users": "SELECT COUNT(*) FROM res_user WHERE login <> 'root'",
    "active_users": "SELECT COUNT(*) FROM res_user WHERE login <> 'root' AND active",
    "roles": "SELECT COUNT(*) FROM res_role",
    "sessions": "SELECT COUNT(*) FROM ir_session",
    "failed_logins": "SELECT COUNT(*) FROM res_user_login_attempt",
    "customers": "SELECT COUNT(*) FROM party_party WHERE code LIKE 'C%'",
    "suppliers": "SELECT COUNT(*) FROM party_party WHERE code LIKE 'S%'",
    "products": "SELECT COUNT(*) FROM product_product",
}


def counts(database: str) -> dict:
    from trytond.transaction import Transaction

    result: dict = {}
    with Transaction().start(database, 0, readonly=True) as transaction:
        cursor = transaction.connection.cursor()
        for key, query in COUNT_QUERIES.items():
            cursor.execute(query)
            by_state = dict(cursor.fetchall())
            result[key] = {
                "total": sum(by_state.values()),
                "by_state": dict(sorted(by_state.items())),
            }
        for key, query in TOTAL_QUERIES.items():
            cursor.execute(query)
            result[key] = cursor.fetchone()[0]
    return result


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        summary = build(args)
    except Exception as exc:  # reported to the parent as one line, traceback on stderr
        traceback.print_exc(file=sys.stderr)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        protocol.send("error", message=f"{type(exc).__name__}: {message}")
        return 1
    protocol.send("result", summary=summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
