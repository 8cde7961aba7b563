"""``erpkeeper host …``, ``erpkeeper metrics …``, ``erpkeeper agent``: each part's own commands."""

import importlib

PARTS = ("erpkeeper.monitoring.tsdb.cli", "erpkeeper.monitoring.collectors.cli")


def register(sub) -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
