"""/api/v1 for monitoring: each part registers its own viewsets."""

import importlib

PARTS = ("erpkeeper.monitoring.tsdb.api", "erpkeeper.monitoring.collectors.api")


def register(router) -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # that part is not built yet
        module.register(router)
