"""TrytonAdapter: read-only access to a Tryton database over plain SQL (no trytond import)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from erpkeeper.targets.adapters import register
from erpkeeper.targets.adapters.base import (
    ApiKey,
    ButtonAccess,
    ButtonRule,
    Document,
    ErpAdapter,
    ErpButton,
    ErpDescription,
    ErpGroup,
    ErpMenu,
    ErpRole,
    ErpUser,
    Event,
    FieldAccess,
    InvariantResult,
    LoginEvent,
    Membership,
    MenuAccess,
    ModelAccess,
    RecordRule,
)
from erpkeeper.targets.adapters.sql import ReadOnlyConnection, connect
from erpkeeper.targets.adapters.tryton import access, security
from erpkeeper.targets.adapters.tryton import documents as documents_mod
from erpkeeper.targets.adapters.tryton import fields as fields_mod
from erpkeeper.targets.adapters.tryton import invariants as invariants_mod
from erpkeeper.targets.adapters.tryton.schema import activated_modules, check_tryton

# counts() key -> (module, table, WHERE clause or ""); a missing module or table counts 0.
COUNTS = {
    "users": ("res", "res_user", "id <> 0"),
    "active_users": ("res", "res_user", "id <> 0 AND active = %s"),
    "parties": ("party", "party_party", ""),
    "products": ("product", "product_product", ""),
    "sales": ("sale", "sale_sale", ""),
    "purchases": ("purchase", "purchase_purchase", ""),
    "invoices": ("account_invoice", "account_invoice", ""),
    "shipments_out": ("stock", "stock_shipment_out", ""),
    "shipments_in": ("stock", "stock_shipment_in", ""),
    "stock_moves": ("stock", "stock_move", ""),
    "account_moves": ("account", "account_move", ""),
}


@register
class TrytonAdapter(ErpAdapter):
    """Tryton on SQLite (``sqlite:////path/db.sqlite``) or PostgreSQL (``postgresql://...``)."""

    kind = "tryton"
    label = "Tryton"
    engines = ("sqlite", "postgresql")

    def __init__(self, database_url: str, file_store_path: str = ""):
        super().__init__(database_url, file_store_path)
        self._db: ReadOnlyConnection | None = None
        self._modules: set[str] | None = None

    # ------------------------------------------------------------ connection
    @property
    def db(self) -> ReadOnlyConnection:
        """The read-only connection, opened (and checked to be Tryton) on first use."""
        if self._db is None:
            db = connect(self.database_url, self.engines, self.label)
            try:
                check_tryton(db)
            except BaseException:
                db.close()
                raise
            self._db = db
        return self._db

    @property
    def modules(self) -> set[str]:
        if self._modules is None:
            self._modules = set(activated_modules(self.db))
        return self._modules

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self._modules = None

    # ------------------------------------------------------------ description
    def describe(self) -> ErpDescription:
        db = self.db
        version = None
        if db.has_column("ir_configuration", "series"):
            version = db.scalar(
                "SELECT series FROM ir_configuration WHERE series IS NOT NULL ORDER BY id LIMIT 1"
            )
        return ErpDescription(
            erp_kind=self.kind,
            erp_version=str(version) if version else "unknown",
            modules=activated_modules(db),
            db_engine=db.engine,
            db_engine_version=db.engine_version(),
            db_size_bytes=db.size_bytes(),
            database=db.database,
        )

    def counts(self) -> dict[str, int]:
        result = {}
        for key, (module, table, where) in COUNTS.items():
            if module != "res" and module not in self.modules or not self.db.has_table(table):
                result[key] = 0
                continue
            sql = f"SELECT COUNT(*) FROM {table}" + (f" WHERE {where}" if where else "")
            params = (True,) if "%s" in where else ()
            result[key] = int(self.db.scalar(sql, params) or 0)
        return result

    # ------------------------------------------------------------ security
    def users(self) -> list[ErpUser]:
        return security.users(self.db)

    def groups(self) -> list[ErpGroup]:
        return security.groups(self.db)

    def roles(self) -> list[ErpRole]:
        return security.roles(self.db) if "user_role" in self.modules else []

    def memberships(self) -> list[Membership]:
        return security.memberships(self.db)

    def model_access(self) -> list[ModelAccess]:
        return security.model_access(self.db)

    def menu_access(self) -> list[MenuAccess]:
        return security.menu_access(self.db)

    def button_access(self) -> list[ButtonAccess]:
        return security.button_access(self.db)

    def models(self) -> list[str]:
        return access.models(self.db)

    def model_parents(self) -> dict[str, list[str]]:
        return access.model_parents(self.models())

    def model_defaults(self) -> dict[str, str]:
        return access.model_defaults(self.models())

    def menus(self) -> list[ErpMenu]:
        return access.menus(self.db)

    def buttons(self) -> list[ErpButton]:
        return access.buttons(self.db)

    def button_rules(self) -> list[ButtonRule]:
        return access.button_rules(self.db)

    def record_rules(self) -> list[RecordRule]:
        return access.record_rules(self.db)

    def api_keys(self) -> list[ApiKey]:
        return access.api_keys(self.db)

    def field_access(self) -> list[FieldAccess]:
        return access.field_access(self.db)

    def logins(self, since: dt.datetime | None = None) -> Iterator[LoginEvent]:
        return security.logins(self.db, since)

    # ------------------------------------------------------------ documents
    def documents(self, kind: str, since: dt.datetime | None = None) -> Iterator[Document]:
        return documents_mod.documents(self.db, self.modules, kind, since)

    def events(self, since: dt.datetime | None = None) -> Iterator[Event]:
        return documents_mod.events(self.db, self.modules, since)

    def invariants(self) -> list[InvariantResult]:
        return invariants_mod.run(self.db, self.modules)

    # ------------------------------------------------------------ models
    def model_tables(self) -> dict[str, tuple[str, str]]:
        """Tryton keeps each model ``a.b`` in table ``a_b`` (ir_model lists the models)."""
        label = "string" if self.db.has_column("ir_model", "string") else "name"
        rows = self.db.execute(f"SELECT name, {label} FROM ir_model")
        return {str(model).replace(".", "_"): (str(model), str(text or "")) for model, text in rows}

    # ------------------------------------------------------------ personal-data discovery
    def column_fields(self):
        return fields_mod.column_fields(self.db)

    def labelled_columns(self) -> dict[tuple[str, str], str]:
        return {
            key: label for key, label in fields_mod.LABELLED.items() if key[0] in self.db.columns
        }

    def discovery_skips(self, table: str) -> bool:
        return fields_mod.skips(table)
