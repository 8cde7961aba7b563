"""Registry of ERP adapters: one module per ERP kind."""

from __future__ import annotations

from erpkeeper.targets.adapters.base import AdapterError, ErpAdapter

_REGISTRY: dict[str, type[ErpAdapter]] = {}


def register(cls: type[ErpAdapter]) -> type[ErpAdapter]:
    _REGISTRY[cls.kind] = cls
    return cls


def kinds() -> list[tuple[str, str]]:
    _load_builtin()
    return [(kind, cls.label or kind) for kind, cls in sorted(_REGISTRY.items())]


def get_adapter_class(kind: str) -> type[ErpAdapter]:
    _load_builtin()
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise AdapterError(f"unknown ERP kind {kind!r} (known: {known})") from None


def open_adapter(kind: str, database_url: str, file_store_path: str = "") -> ErpAdapter:
    return get_adapter_class(kind)(database_url, file_store_path)


def _load_builtin() -> None:
    # the adapters register with this module on import: loaded here, not at the top (a cycle)
    from erpkeeper.targets.adapters import database, tryton  # noqa: F401, PLC0415


__all__ = ["AdapterError", "ErpAdapter", "register", "kinds", "get_adapter_class", "open_adapter"]
