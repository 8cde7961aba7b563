"""Tryton adapter (stub: completed by the adapter work)."""
