"""Real-time monitoring of hosts, databases and the ERP (issue 4).

Layout (one owner per part while it is built):
  models.py            Host, Series, Sample, Rollup                      (storage)
  storage/             ingest, rollups and retention, queries, tokens   (storage)
  prometheus.py        /metrics in Prometheus text format                (storage)
  collectors/          host, postgresql, mariadb, sqlite, tryton, hardware; the embedded
                       local collector                                  (collectors)
  agent.py             ``erpkeeper agent``: collect, push, buffer on disk, replay (collectors)
  api.py / cli.py / jobs.py   register each part's own api/cli/jobs modules

Metric names are dotted, lower case, unit-suffixed where a unit is not obvious:
``host.cpu.percent``, ``host.disk.percent`` {mount}, ``db.connections.percent``,
``erp.rpc.latency_seconds`` … (the collectors' docstrings list them all).
"""
