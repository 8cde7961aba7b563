"""Readable labels for the facts a check collects (the adapter reports stable keys)."""

from django.utils.translation import gettext_lazy as _

COUNT_LABELS = {
    "users": _("ERP users"),
    "active_users": _("Active ERP users"),
    "parties": _("Parties"),
    "products": _("Products"),
    "sales": _("Sales"),
    "purchases": _("Purchases"),
    "invoices": _("Invoices"),
    "shipments_out": _("Customer shipments"),
    "shipments_in": _("Supplier shipments"),
    "stock_moves": _("Stock moves"),
    "account_moves": _("Account moves"),
}


def count_rows(counts: dict) -> list[tuple[str, object]]:
    """(label, value) pairs in a stable order; unknown keys keep a readable form of their name."""
    known = [(COUNT_LABELS[key], counts[key]) for key in COUNT_LABELS if key in counts]
    extra = [
        (key.replace("_", " ").capitalize(), value)
        for key, value in counts.items()
        if key not in COUNT_LABELS
    ]
    return known + extra
