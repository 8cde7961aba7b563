"""The Tryton adapter (registers itself as kind ``tryton``)."""

from erpkeeper.targets.adapters.tryton.adapter import TrytonAdapter

__all__ = ["TrytonAdapter"]
