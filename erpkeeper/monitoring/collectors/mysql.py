"""A target's MariaDB/MySQL server, read-only through the target's own database URL.

Metrics (all with the target):
  db.threads.connected · db.threads.running
  db.connections.percent     connected threads, % of max_connections
  db.slow_queries            slow queries per second since the previous call (none on the first)
  db.buffer_pool_hit_ratio   0–1, InnoDB reads served from the buffer pool since the previous
                             call (since the server started on the first call)
  db.size_bytes              data and indexes of the target's database
"""

from __future__ import annotations

import datetime as dt
import time

from erpkeeper.monitoring.collectors.base import Collector, RateTracker, Sample
from erpkeeper.monitoring.collectors.dbconn import ReadOnlyDb
from erpkeeper.monitoring.collectors.postgresql import hit_ratio

STATUS = """
SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Threads_running',
  'Slow_queries', 'Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')
"""
DATABASE_SIZE = """
SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables
WHERE table_schema = DATABASE()
"""


class MysqlCollector(Collector):
    name = "mysql"

    def __init__(self, target: str, database_url: str):
        super().__init__(target)
        self.db = ReadOnlyDb(database_url)
        self.counters = RateTracker()

    def collect(self, now: dt.datetime) -> list[Sample]:
        status = {name: float(value) for name, value in self.db.rows(STATUS)}
        limit = float(self.db.scalar("SELECT @@max_connections"))
        connected = status["Threads_connected"]
        samples = [
            self.sample("db.threads.connected", connected, now),
            self.sample("db.threads.running", status["Threads_running"], now),
            self.sample("db.connections.percent", 100.0 * connected / limit, now, "%"),
            self.sample("db.size_bytes", self.db.scalar(DATABASE_SIZE), now, "B"),
        ]
        slow = self.counters.rate("slow", status["Slow_queries"], time.monotonic())
        if slow is not None:
            samples.append(self.sample("db.slow_queries", slow, now, "1/s"))
        requests = status.get("Innodb_buffer_pool_read_requests")
        if requests is not None:  # no InnoDB, no buffer pool
            misses = status["Innodb_buffer_pool_reads"]
            # read_requests counts every logical read; reads are those that missed the pool.
            ratio = hit_ratio(self.counters, "pool", requests - misses, misses)
            if ratio is not None:
                samples.append(self.sample("db.buffer_pool_hit_ratio", ratio, now))
        return samples

    def close(self):
        self.db.close()
