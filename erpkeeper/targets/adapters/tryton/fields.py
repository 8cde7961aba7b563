"""What a Tryton table's columns mean, for personal-data discovery: the model and field of each
column (``ir.model.field``), the columns whose row names their kind, and the framework's own
tables that hold definitions rather than business data."""

from __future__ import annotations

from erpkeeper.targets.adapters.discovery import ColumnField
from erpkeeper.targets.adapters.sql import ReadOnlyConnection

# Tryton keeps a typed value and its kind on one row: the kind labels the value.
LABELLED = {
    ("party_identifier", "code"): "type",
    ("party_identifier", "code_compact"): "type",
    ("party_contact_mechanism", "value"): "type",
    ("party_contact_mechanism", "value_compact"): "type",
}
# ir_* tables hold Tryton's own definitions (models, views, translations, menus, actions);
# these few hold what users wrote or did.
IR_KEPT = {"ir_attachment", "ir_note", "ir_email", "ir_email_address"}


def column_fields(db: ReadOnlyConnection) -> dict[tuple[str, str], ColumnField]:
    """``{(table, column): ColumnField}`` from ir_model_field (model ``a.b`` -> table ``a_b``)."""
    label = "string" if db.has_column("ir_model_field", "string") else "field_description"
    rows = db.execute(f"SELECT model, name, {label}, ttype FROM ir_model_field")
    found = {}
    for model, name, text, ttype in rows:
        table = str(model).replace(".", "_")
        if db.has_column(table, str(name)):
            found[(table, str(name))] = ColumnField(
                str(model), str(name), str(text or ""), str(ttype or "")
            )
    return found


def skips(table: str) -> bool:
    return table.startswith("ir_") and table not in IR_KEPT
