"""Job kinds and schedules of every monitoring part (imported by the job registry)."""

import importlib

PARTS = ("erpkeeper.monitoring.tsdb.jobs", "erpkeeper.monitoring.collectors.jobs")

for _name in PARTS:
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as _exc:
        if _exc.name != _name:
            raise
