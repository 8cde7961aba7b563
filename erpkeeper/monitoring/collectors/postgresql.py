"""A target's PostgreSQL server, read-only through the target's own database URL.

Metrics (all with the target):
  db.connections {state}      sessions on the target's database by state (active, idle, …)
  db.connections.percent      all client sessions of the server, % of max_connections
  db.long_transactions        transactions of the target's database open for over 5 minutes
  db.blocked_queries          sessions of the target's database waiting for another's lock
  db.cache_hit_ratio          0–1, blocks found in shared buffers since the previous call
                              (since the statistics reset on the first call)
  db.size_bytes               pg_database_size
  db.xid_age                  transaction IDs since the database was last frozen (wraparound)
  db.replication_lag_seconds  {replica} on a primary with streaming replicas, {replica="self"}
                              on a standby; nothing at all where there is no replication
"""

from __future__ import annotations

import datetime as dt

from erpkeeper.monitoring.collectors.base import Collector, RateTracker, Sample
from erpkeeper.monitoring.collectors.dbconn import ReadOnlyDb

LONG_TRANSACTION = "5 minutes"

SESSIONS_BY_STATE = """
SELECT COALESCE(state, 'unknown'), count(*) FROM pg_stat_activity
WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
GROUP BY 1
"""
SERVER_USAGE = """
SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),
       current_setting('max_connections')::int
"""
LONG_AND_BLOCKED = f"""
SELECT count(*) FILTER (WHERE xact_start < now() - interval '{LONG_TRANSACTION}'),
       count(*) FILTER (WHERE cardinality(pg_blocking_pids(pid)) > 0)
FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
"""
DATABASE_STATS = """
SELECT d.blks_hit, d.blks_read, pg_database_size(current_database()), age(p.datfrozenxid)
FROM pg_stat_database d JOIN pg_database p ON p.datname = d.datname
WHERE d.datname = current_database()
"""
REPLICAS = """
SELECT COALESCE(NULLIF(application_name, ''), client_addr::text, pid::text),
       EXTRACT(EPOCH FROM replay_lag)
FROM pg_stat_replication WHERE replay_lag IS NOT NULL
"""
STANDBY_LAG = """
SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
WHERE pg_is_in_recovery() AND pg_last_xact_replay_timestamp() IS NOT NULL
"""


class PostgresCollector(Collector):
    name = "postgresql"

    def __init__(self, target: str, database_url: str):
        super().__init__(target)
        self.db = ReadOnlyDb(database_url)
        self.counters = RateTracker()

    def collect(self, now: dt.datetime) -> list[Sample]:
        return [
            *self._sessions(now),
            *self._database(now),
            *self._replication(now),
        ]

    def _sessions(self, now):
        samples = [
            self.sample("db.connections", count, now, state=state)
            for state, count in self.db.rows(SESSIONS_BY_STATE)
        ]
        used, limit = self.db.rows(SERVER_USAGE)[0]
        samples.append(self.sample("db.connections.percent", 100.0 * used / limit, now, "%"))
        long_running, blocked = self.db.rows(LONG_AND_BLOCKED)[0]
        samples.append(self.sample("db.long_transactions", long_running, now))
        samples.append(self.sample("db.blocked_queries", blocked, now))
        return samples

    def _database(self, now):
        hit, read, size, xid_age = self.db.rows(DATABASE_STATS)[0]
        samples = [
            self.sample("db.size_bytes", size, now, "B"),
            self.sample("db.xid_age", xid_age, now),
        ]
        ratio = hit_ratio(self.counters, "blocks", hit, read)
        if ratio is not None:
            samples.append(self.sample("db.cache_hit_ratio", ratio, now))
        return samples

    def _replication(self, now):
        rows = self.db.rows(REPLICAS) + [("self", lag) for (lag,) in self.db.rows(STANDBY_LAG)]
        return [
            self.sample("db.replication_lag_seconds", float(lag), now, "s", replica=replica)
            for replica, lag in rows
        ]

    def close(self):
        self.db.close()


def hit_ratio(counters: RateTracker, key: str, hits: float, misses: float) -> float | None:
    """hits / (hits + misses) since the previous call; cumulative on the first; None if idle."""
    new_hits = counters.delta(f"{key}:hit", hits)
    new_misses = counters.delta(f"{key}:miss", misses)
    if new_hits is None or new_misses is None:
        new_hits, new_misses = hits, misses
    total = new_hits + new_misses
    return new_hits / total if total else None
