"""The one door to an ERP: a small read-only interface that every ERP kind implements.

Other apps read an ERP only through an adapter, never with ad-hoc SQL of their own.
Every failure to reach or recognise the ERP is an ``AdapterError`` whose message is one line
a user can act on; callers show it as is (console, API 4xx JSON, CLI exit code).
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from decimal import Decimal


class AdapterError(Exception):
    """Base of the errors an adapter raises; ``str(error)`` is a one-line reason."""

    code = "adapter_error"


class InvalidUrl(AdapterError):
    code = "invalid_url"


class ServerUnreachable(AdapterError):
    code = "unreachable"


class AuthenticationFailed(AdapterError):
    code = "authentication_failed"


class DatabaseMissing(AdapterError):
    code = "database_missing"


class NotAnErpDatabase(AdapterError):
    code = "not_erp_database"


class UnsupportedEngine(AdapterError):
    code = "unsupported_engine"


@dataclass
class Record:
    def as_dict(self) -> dict:
        def plain(value):
            if isinstance(value, dt.datetime | dt.date):
                return value.isoformat()
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            return value

        return {key: plain(value) for key, value in asdict(self).items()}


@dataclass
class ErpDescription(Record):
    erp_kind: str
    erp_version: str
    modules: list[str]
    db_engine: str  # sqlite | postgresql | mysql
    db_engine_version: str
    db_size_bytes: int
    database: str  # database name or file name, never a password


@dataclass
class ErpUser(Record):
    id: int
    login: str
    name: str
    active: bool
    is_admin: bool = False
    email: str = ""
    created: dt.datetime | None = None
    last_login: dt.datetime | None = None


@dataclass
class ErpGroup(Record):
    id: int
    name: str
    parent_id: int | None = None
    active: bool = True  # an inactive group grants nothing
    xml_id: str = ""  # "module.fs_id" (e.g. "account.group_account"): stable across languages


@dataclass
class ErpRole(Record):
    id: int
    name: str
    group_ids: list[int] = field(default_factory=list)


@dataclass
class Membership(Record):
    user_id: int
    group_id: int
    via_role_id: int | None = None  # None when the user is in the group directly
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass
class ModelAccess(Record):
    model: str
    group_id: int | None  # None: the default rule for every user
    read: bool
    write: bool
    create: bool
    delete: bool


@dataclass
class MenuAccess(Record):
    menu_id: int
    menu_path: str
    group_id: int


@dataclass
class ButtonAccess(Record):
    button_id: int
    model: str
    button: str
    group_id: int


@dataclass
class ErpMenu(Record):
    id: int
    parent_id: int | None
    path: str  # "Parent / Child"
    active: bool = True


@dataclass
class ErpButton(Record):
    """A workflow button of a model (every active one, restricted to groups or not)."""

    id: int
    model: str
    button: str


@dataclass
class ButtonRule(Record):
    """An approval gate on a button: it fires after ``number_user`` distinct users clicked."""

    button_id: int
    model: str
    button: str
    number_user: int
    group_id: int | None = None  # only clicks of this group's members count
    description: str = ""


@dataclass
class RecordRule(Record):
    """A group of record rules on a model (``ir.rule.group``) and its domains (never evaluated
    here: kept so that a reviewer sees which records a grant really reaches)."""

    id: int
    name: str
    model: str
    global_p: bool  # applies to everyone, intersected with the others
    default_p: bool  # applies to users in none of the rule's groups
    read: bool
    write: bool
    create: bool
    delete: bool
    domains: list[str] = field(default_factory=list)
    group_ids: list[int] = field(default_factory=list)


@dataclass
class ApiKey(Record):
    """An application key of a user (``res.user.application``); the key itself is never read."""

    id: int
    user_id: int
    application: str
    state: str  # requested | validated | cancelled
    created: dt.datetime | None = None


@dataclass
class FieldAccess(Record):
    model: str
    field: str
    group_id: int | None
    read: bool
    write: bool
    create: bool
    delete: bool


@dataclass
class LoginEvent(Record):
    login: str
    user_id: int | None
    time: dt.datetime
    success: bool
    ip_address: str = ""


@dataclass
class Document(Record):
    kind: str  # sale | purchase | shipment_out | shipment_in | invoice | stock_move | account_move
    id: int
    number: str
    state: str
    date: dt.date | None
    created: dt.datetime | None
    party_id: int | None = None
    amount: Decimal | None = None
    links: dict[str, list[str]] = field(default_factory=dict)  # e.g. {"invoices": ["invoice:3"]}
    extra: dict = field(default_factory=dict)  # kind-specific facts, e.g. {"type": "out"}


@dataclass
class Event(Record):
    time: dt.datetime
    kind: str  # create | transition | button | wizard | write | delete
    resource: str  # e.g. "sale.sale,12"
    detail: str  # e.g. "state:confirmed", "confirm"
    user_id: int | None


@dataclass
class InvariantResult(Record):
    name: str
    description: str
    passed: bool
    checked: int
    failed: int
    examples: list[str] = field(default_factory=list)
    skipped: str = ""  # what the ERP lacks for this check ("sale, sale_line"); "" = it ran


DOCUMENT_KINDS = (
    "sale",
    "purchase",
    "shipment_out",
    "shipment_in",
    "invoice",
    "stock_move",
    "account_move",
)


class ErpAdapter(abc.ABC):
    """Read-only access to one ERP instance. Use as a context manager to close connections."""

    kind: str = ""
    label: str = ""

    def __init__(self, database_url: str, file_store_path: str = ""):
        self.database_url = database_url
        self.file_store_path = file_store_path

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:  # noqa: B027  (optional hook)
        """Release connections."""

    @abc.abstractmethod
    def describe(self) -> ErpDescription: ...

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Headline counts: users, parties, sales, invoices (more keys allowed)."""

    @abc.abstractmethod
    def users(self) -> list[ErpUser]: ...

    @abc.abstractmethod
    def groups(self) -> list[ErpGroup]: ...

    @abc.abstractmethod
    def roles(self) -> list[ErpRole]: ...

    @abc.abstractmethod
    def memberships(self) -> list[Membership]: ...

    @abc.abstractmethod
    def model_access(self) -> list[ModelAccess]: ...

    @abc.abstractmethod
    def menu_access(self) -> list[MenuAccess]: ...

    @abc.abstractmethod
    def button_access(self) -> list[ButtonAccess]: ...

    # What an access review needs beyond the above. Not abstract: an ERP (or an older module
    # set) without these tables has nothing to report, which is an empty list, not an error.
    def models(self) -> list[str]:
        """Names of every model the ERP has (to tell a rule naming an unknown one)."""
        return []

    def menus(self) -> list[ErpMenu]:
        return []

    def buttons(self) -> list[ErpButton]:
        return []

    def button_rules(self) -> list[ButtonRule]:
        return []

    def record_rules(self) -> list[RecordRule]:
        return []

    def api_keys(self) -> list[ApiKey]:
        return []

    def field_access(self) -> list[FieldAccess]:
        return []

    def model_parents(self) -> dict[str, list[str]]:
        """Models whose access follows other models' (a line follows its document)."""
        return {}

    def model_defaults(self) -> dict[str, str]:
        """Models whose access without any rule is narrower than read, write, create and
        delete: model -> the letters of what remains ("r", "rw")."""
        return {}

    @abc.abstractmethod
    def logins(self, since: dt.datetime | None = None) -> Iterator[LoginEvent]: ...

    @abc.abstractmethod
    def documents(self, kind: str, since: dt.datetime | None = None) -> Iterator[Document]: ...

    @abc.abstractmethod
    def events(self, since: dt.datetime | None = None) -> Iterator[Event]: ...

    @abc.abstractmethod
    def invariants(self) -> list[InvariantResult]: ...

    def model_tables(self) -> dict[str, tuple[str, str]]:
        """``{table: (model, label)}``: which ERP model each database table stores (for
        reading slow queries as business features). Empty when the ERP does not say."""
        return {}

    # What personal-data discovery needs (erpkeeper.targets.adapters.discovery). The reader
    # works on any SQLite, PostgreSQL or MariaDB database; an ERP adds what its columns mean.
    def column_reader(self, *, timeout_ms: int | None = None, seed=None):
        """A read-only, time-limited ``ColumnReader`` of this ERP's database (close it)."""
        # discovery imports this module's Record and errors: imported here to avoid a cycle
        from erpkeeper.targets.adapters import discovery  # noqa: PLC0415

        timeout = timeout_ms or discovery.READ_TIMEOUT_MS
        return discovery.ColumnReader(self.database_url, timeout_ms=timeout, seed=seed)

    def column_fields(self) -> dict[tuple[str, str], Record]:
        """``{(table, column): ColumnField}``: the model and field behind each column."""
        return {}

    def labelled_columns(self) -> dict[tuple[str, str], str]:
        """``{(table, value column): label column}``: columns whose row says what its value
        is (Tryton's ``party_identifier.type`` for ``code``)."""
        return {}

    def discovery_skips(self, table: str) -> bool:
        """True for tables of the ERP's own definitions, which hold no personal data."""
        return False
