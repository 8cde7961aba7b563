"""Audit trail: who changed what, from where, as a hash chain.

Every save and delete of every model (except the few in ``EXCLUDED_APPS``/``EXCLUDED_MODELS``)
appends an ``AuditEntry`` in the same transaction as the change, attributed to the current
``AuditContext``: the request's user (console, API), ``cli:<os user>`` or ``--as USER`` (CLI),
``system:<job kind>`` (jobs) or ``system``. A change that is rolled back leaves no entry.

Entries form a SHA-256 chain ordered by ``sequence``; ``verify()`` names every entry that was
altered, inserted or deleted. See docs/audit.md.
"""

from erpkeeper.core.audit.context import (
    AuditContext,
    acting_user,
    audit_context,
    cli_actor_context,
    current_context,
    set_request_actor,
)
from erpkeeper.core.audit.reading import CSV_COLUMNS, csv_lines, entry_row
from erpkeeper.core.audit.recording import (
    ADVISORY_LOCK_KEY,
    EXCLUDED_APPS,
    EXCLUDED_MODELS,
    GENESIS_HASH,
    HASHED_FIELDS,
    MASK,
    ModelOptions,
    append,
    audited_update,
    configure_model,
    connect_signals,
    entry_hash,
    hashed_fields,
    options_for,
    record_change,
)
from erpkeeper.core.audit.verify import Problem, VerifyResult, verify

__all__ = [
    "ADVISORY_LOCK_KEY",
    "CSV_COLUMNS",
    "EXCLUDED_APPS",
    "EXCLUDED_MODELS",
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "MASK",
    "AuditContext",
    "ModelOptions",
    "Problem",
    "VerifyResult",
    "append",
    "audit_context",
    "audited_update",
    "cli_actor_context",
    "configure_model",
    "connect_signals",
    "csv_lines",
    "acting_user",
    "current_context",
    "entry_hash",
    "entry_row",
    "hashed_fields",
    "options_for",
    "record_change",
    "set_request_actor",
    "verify",
]
