"""Backup engines: how a database or a file store is dumped and restored, one module per kind
behind ``Engine``. Pure Python, no Django imports. See base.py for the contract.
"""

from __future__ import annotations

import importlib

from erpkeeper.backups.engines.base import Engine, EngineError

_ENGINES: dict[str, type[Engine]] = {}


def register(cls: type[Engine]) -> type[Engine]:
    _ENGINES[cls.name] = cls
    return cls


def get_engine(name: str) -> type[Engine]:
    _load_builtin()
    try:
        return _ENGINES[name]
    except KeyError:
        raise EngineError(f"no backup engine for {name!r}") from None


def engine_names() -> list[str]:
    _load_builtin()
    return sorted(_ENGINES)


def _load_builtin() -> None:
    # Imported lazily so that a missing optional client library only matters when used.
    for module in ("sqlite", "postgresql", "mysql", "filestore"):
        try:
            importlib.import_module(f"erpkeeper.backups.engines.{module}")
        except ModuleNotFoundError as exc:
            if exc.name != f"erpkeeper.backups.engines.{module}":
                raise
