"""A database with no ERP model that ERPKeeper knows: kind ``database``.

For a database worth backing up and tuning whose application ERPKeeper cannot read (a MariaDB
or MySQL database of an ERP that is not Tryton, a reporting database): the target says what it
is, the backups and the performance advisor work on it, and everything that needs an ERP's
model (users, documents, access reviews) is empty rather than guessed. It reads the database
catalogue only, read-only and under a time limit (``erpkeeper.lib.bounded_db``), on SQLite,
PostgreSQL and MariaDB/MySQL.

``model_tables`` names a table by its own comment where it has one (``COMMENT 'Sales order
lines'``): the one description a plain database carries.
"""

from __future__ import annotations

import os

from django.utils.translation import gettext_lazy as _

from erpkeeper.lib.bounded_db import BoundedConnection, ConnectionFailed
from erpkeeper.targets.adapters import register
from erpkeeper.targets.adapters.base import ErpAdapter, ErpDescription, ServerUnreachable

CATALOGUE = {
    "mysql": (
        "SELECT VERSION()",
        "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE()",
        "SELECT TABLE_NAME, TABLE_COMMENT FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
    ),
    "postgresql": (
        "SELECT current_setting('server_version')",
        "SELECT pg_database_size(current_database())",
        "SELECT c.relname, COALESCE(obj_description(c.oid, 'pg_class'), '') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
        "AND n.nspname = current_schema()",
    ),
    "sqlite": (
        "SELECT sqlite_version()",
        None,
        "SELECT name, '' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    ),
}


@register
class DatabaseAdapter(ErpAdapter):
    """Any SQLite, PostgreSQL or MariaDB/MySQL database, with no ERP model."""

    kind = "database"
    label = _("Database only (no ERP model)")

    def __init__(self, database_url: str, file_store_path: str = ""):
        super().__init__(database_url, file_store_path)
        self._db: BoundedConnection | None = None

    @property
    def db(self) -> BoundedConnection:
        if self._db is None:
            try:
                self._db = BoundedConnection(self.database_url)
            except ConnectionFailed as exc:
                raise ServerUnreachable(str(exc)) from None
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _read(self, sql: str) -> list[tuple]:
        try:
            return self.db.rows(sql)
        except ConnectionFailed as exc:
            raise ServerUnreachable(str(exc)) from None

    def _tables(self) -> list[tuple[str, str]]:
        return [(str(name), str(comment or "")) for name, comment in self._read(self._sql(2))]

    def _sql(self, which: int) -> str | None:
        return CATALOGUE[self.db.engine][which]

    def describe(self) -> ErpDescription:
        version = self._read(self._sql(0))[0][0]
        size_sql = self._sql(1)
        if size_sql is None:
            size = os.path.getsize(self.db.url.path)
        else:
            size = int(self._read(size_sql)[0][0] or 0)
        return ErpDescription(
            erp_kind=self.kind,
            erp_version="",
            modules=[],
            db_engine=self.db.engine,
            db_engine_version=str(version),
            db_size_bytes=size,
            database=os.path.basename(self.db.url.path)
            if self.db.engine == "sqlite"
            else str(self.db.url.database),
        )

    def counts(self) -> dict[str, int]:
        return {"tables": len(self._tables())}

    def model_tables(self) -> dict[str, tuple[str, str]]:
        return {name: (name, comment) for name, comment in self._tables() if comment}

    # Nothing an ERP model would say: empty, never guessed.
    def users(self):
        return []

    def groups(self):
        return []

    def roles(self):
        return []

    def memberships(self):
        return []

    def model_access(self):
        return []

    def menu_access(self):
        return []

    def button_access(self):
        return []

    def logins(self, since=None):
        return iter(())

    def documents(self, kind, since=None):
        return iter(())

    def events(self, since=None):
        return iter(())

    def invariants(self):
        return []
